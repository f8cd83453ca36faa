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

/** An email or phone with its label, as v2 takes them (`work`, `home`, `mobile`, `other`). */
export interface ContactValue {
  value: string;
  label: string;
}

/** An address as v2 takes it (pipedrive-api.md §5.3): `value` is the whole address on one line. */
export interface AddressFields {
  value: string;
  route?: string;
  /** The house number, where the file keeps it apart from the street (Pipedrive's own part of an address). */
  street_number?: string;
  locality?: string;
  admin_area_level_1?: string;
  postal_code?: string;
  country?: string;
}

/** Person fields for `POST /api/v2/persons` (emails/phones become v2 objects in the worker). */
export interface PersonFields {
  /** Display name; when the file has only an email, the producer uses the email. */
  name: string;
  /** When the file names them apart (a full name alone is split by Pipedrive). */
  first_name?: string;
  last_name?: string;
  /** The primary email, lower-cased and validated: the person's match key. */
  email?: string;
  /** The primary phone, kept as given. */
  phone?: string;
  /**
   * Every email, the primary first, when there is more than one or its label is not `work`
   * (otherwise `email` says it all and the job stays small).
   */
  emails?: ContactValue[];
  /** Every phone, the primary first, under the same rule as `emails`. */
  phones?: ContactValue[];
  job_title?: string;
  /** `YYYY-MM-DD` */
  birthday?: string;
  postal_address?: AddressFields;
  /** Person label ids (from `GET /v1/personFields`). */
  label_ids?: number[];
  marketing_status?: 'no_consent' | 'unsubscribed' | 'subscribed' | 'archived';
  owner_id?: number;
  visible_to?: 1 | 3 | 5 | 7;
  /** Person custom fields by 40-hex key. */
  custom_fields?: Record<string, unknown>;
}

/** Organization fields for `POST /api/v2/organizations`. */
export interface OrganizationFields {
  name: string;
  address?: AddressFields;
  website?: string;
  linkedin?: string;
  /** Option id of the industry field. */
  industry?: number;
  employee_count?: number;
  annual_revenue?: number;
  label_ids?: number[];
  owner_id?: number;
  visible_to?: 1 | 3 | 5 | 7;
  /** Organization custom fields by 40-hex key. */
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
  /** Set just before `POST /v1/notes`: a retry that finds it without `noteId` lists the lead's notes first. */
  noteIntentAt?: number;
  noteId?: number;
  /** `fill-empty`: the existing person (organization) has been given the row's values where it had none. */
  personFilled?: boolean;
  organizationFilled?: boolean;
  /** When the worker first started on this row (ms epoch), for the dead-letter record. */
  firstAttemptAt?: number;
  /** Times the row went back to the queue because of a 429 or an edge block (no attempt spent). */
  rateLimitRequeues?: number;
  /** Times a refused write made the row read the contacts it reused, and one was gone (`forgetGoneContacts`). */
  contactRechecks?: number;
}

export interface LeadJobData {
  /** Job data schema version. */
  v: 1;
  importId: string;
  /** Line in the source file where the row starts (the header is line 1). */
  line: number;
  /**
   * The row's turn among its import's valid rows (1 = the first), which makes its queue priority
   * (`leadPriority` in job-options.ts). Absent in jobs enqueued before priorities: `turnOf` uses the line.
   */
  turn?: number;
  lead: LeadFields;
  person?: PersonFields;
  organization?: OrganizationFields;
  /** The row's original cells in header order; the header is stored once on the import record. */
  cells: string[];
  /** A note for the lead (`POST /v1/notes`), as HTML (Pipedrive stores note content as HTML). */
  note?: string;
  /** `fill-empty`: a person or organization that exists already gets this row's values where it has none. */
  updateContacts?: 'fill-empty';
  checkpoint?: JobCheckpoint;
  /**
   * 1 for a row enqueued in a chunk ({@link LeadChunkJobData}), and for the single-row job it may be split into:
   * its checkpoint lives under its own key (`keys.rowCheckpoint`), whichever job runs it, and a runner that finds
   * the row finished already (its outcome recorded) does nothing.
   */
  cpKey?: 1;
  /** Attempts the row spent before this job (a row split out of its chunk to be retried). @defaultValue 0 */
  priorAttempts?: number;
}

/**
 * Several consecutive rows of one import in one BullMQ job (`LEAD_IMPORTER_ROWS_PER_JOB` > 1): BullMQ's work per
 * job (fetch, lock, complete: 36 Redis commands) is shared by the rows. Each row still runs on its own (its own
 * permit, lease, checkpoints and outcome): see `src/worker/chunk-runner.ts`.
 */
export interface LeadChunkJobData {
  v: 1;
  importId: string;
  /** The chunk's index among its import's chunks (turns `index × k + 1` … `(index + 1) × k`). */
  chunk: number;
  rows: LeadJobData[];
}

/** What a job on a lead queue holds: one row, or a chunk of rows. */
export type LeadQueueJobData = LeadJobData | LeadChunkJobData;

export function isChunkJobData(data: LeadQueueJobData): data is LeadChunkJobData {
  return Array.isArray((data as LeadChunkJobData).rows);
}

/** Name given to every chunk job on the lead queue. */
export const LEAD_CHUNK_JOB_NAME = 'leads';

/** The most rows a chunk job may hold (`LEAD_IMPORTER_ROWS_PER_JOB`). */
export const MAX_ROWS_PER_JOB = 100;

/** A job's turn within its import: `turn`, or for a job from before priorities, its line less the header's. */
export function turnOf(data: Pick<LeadJobData, 'turn' | 'line'>): number {
  return data.turn ?? Math.max(1, data.line - 1);
}

/** Name given to every job on the lead queue. */
export const LEAD_JOB_NAME = 'lead';

/** What a completed job returns (kept small: BullMQ stores it). */
export interface LeadJobResult {
  /** Empty when the row had been finished by another runner (`alreadyFinished`). */
  leadId: string;
  /** The row's outcome was recorded before this runner took it (a chunk's re-run, a job left over): nothing done. */
  alreadyFinished?: true;
  noteId?: number;
  personId?: number;
  organizationId?: number;
  personCreated?: boolean;
  organizationCreated?: boolean;
}
