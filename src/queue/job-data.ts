/**
 * The contract between producer and worker: what one job on the `lead-import` queue holds.
 * Compact on purpose (a million waiting jobs must fit in Redis at ≤ 1 KB each) and free of
 * secrets: no token ever goes into job data.
 */

/** Lead fields as `POST /v1/leads` takes them, already normalised and resolved by the producer. */
export interface LeadFields {
  title: string;
  value?: { amount: number; currency: string };
  /** `YYYY-MM-DD` */
  expected_close_date?: string;
  owner_id?: number;
  /** Lead label UUIDs (resolved from names through `/v1/leadLabels`). */
  label_ids?: string[];
  visible_to?: '1' | '3' | '5' | '7';
  was_seen?: boolean;
  origin_id?: string;
  channel?: number;
  channel_id?: string;
  /** Deal/lead custom fields by 40-hex key; sent at the root of the lead body. */
  custom_fields?: Record<string, unknown>;
}

/** Person fields for `POST /api/v2/persons` (emails/phones become v2 objects in the worker). */
export interface PersonFields {
  /** Display name; when the file has only an email, the producer uses the email. */
  name: string;
  /** Lower-cased, validated. */
  email?: string;
  /** Kept as given. */
  phone?: string;
  owner_id?: number;
  visible_to?: 1 | 3 | 5 | 7;
  custom_fields?: Record<string, unknown>;
}

/** Organization fields for `POST /api/v2/organizations`. */
export interface OrganizationFields {
  name: string;
  owner_id?: number;
  visible_to?: 1 | 3 | 5 | 7;
  custom_fields?: Record<string, unknown>;
}

/** What the worker has already done for this row; written with `job.updateData` after each step. */
export interface JobCheckpoint {
  organizationId?: number;
  organizationCreated?: boolean;
  personId?: number;
  personCreated?: boolean;
  /** Set just before `POST /v1/leads`: a retry that finds it without `leadId` searches first. */
  leadIntentAt?: number;
  leadId?: string;
  /** When the worker first started on this row (ms epoch), for the dead-letter record. */
  firstAttemptAt?: number;
  /** Times the row went back to the queue because of a 429 or an edge block (no attempt spent). */
  rateLimitRequeues?: number;
}

export interface LeadJobData {
  /** Job data schema version. */
  v: 1;
  importId: string;
  /** Line in the source file where the row starts (the header is line 1). */
  line: number;
  lead: LeadFields;
  person?: PersonFields;
  organization?: OrganizationFields;
  /** The row's original cells in header order; the header is stored once on the import record. */
  cells: string[];
  checkpoint?: JobCheckpoint;
}

/** Name given to every job on the lead queue. */
export const LEAD_JOB_NAME = 'lead';

/** What a completed job returns (kept small: BullMQ stores it). */
export interface LeadJobResult {
  leadId: string;
  personId?: number;
  organizationId?: number;
  personCreated?: boolean;
  organizationCreated?: boolean;
}
