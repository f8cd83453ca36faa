import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { Lead, Note } from '../pipedrive/types.js';
import { keyScope, keysFor } from '../queue/names.js';
import { plainText } from './note-writer.js';

/* Adds lead ids to their match keys' lists, keeping each once. ARGV: ttl, then key/id pairs. */
const OFFER_LUA = `
for i = 2, #ARGV, 2 do
  local ids = redis.call('HGET', KEYS[1], ARGV[i]) or ''
  if not string.find(' ' .. ids .. ' ', ' ' .. ARGV[i + 1] .. ' ', 1, true) then
    redis.call('HSET', KEYS[1], ARGV[i], ids == '' and ARGV[i + 1] or (ids .. ' ' .. ARGV[i + 1]))
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/*
 * The first lead of the match key that no other row has adopted (or that this row adopted
 * already), now adopted by this row. ARGV: match key, claimant, ttl.
 */
const CLAIM_LUA = `
local ids = redis.call('HGET', KEYS[1], ARGV[1])
if not ids then return false end
for id in string.gmatch(ids, '%S+') do
  local by = redis.call('HGET', KEYS[2], id)
  if not by or by == ARGV[2] then
    redis.call('HSET', KEYS[2], id, ARGV[2])
    redis.call('PEXPIRE', KEYS[2], ARGV[3])
    return id
  end
end
return false
`;

type AdoptionRedis = Redis & {
  adoptionOffer(leads: string, ...args: (string | number)[]): Promise<number>;
  adoptionClaim(
    leads: string,
    claims: string,
    matchKey: string,
    claimant: string,
    ttlMs: number,
  ): Promise<string | null>;
};

/** What a lead is recognised by: the fields `POST /v1/leads` set from the row, and its import. */
export interface LeadMatch {
  title: string;
  personId?: number | undefined;
  organizationId?: number | undefined;
  originId?: string | null | undefined;
}

/** The hash field of a lead: its title, person, organization and `origin_id`. */
export function leadMatchKey(lead: LeadMatch): string {
  return JSON.stringify([
    lead.originId ?? null,
    lead.title,
    lead.personId ?? null,
    lead.organizationId ?? null,
  ]);
}

/** A note is recognised by its text as a reader sees it (Pipedrive rewrites the markup). */
function noteDigest(content: string): string {
  return createHash('sha256').update(plainText(content)).digest('base64url').slice(0, 22);
}

/**
 * What a reconciliation found in Pipedrive after Redis may have rolled back (see
 * `durability-gate.ts`), for the rows whose intents were lost: leads by match key, each to be
 * adopted by one row only, and notes by lead. A row consults it (one HGET) before
 * `POST /v1/leads` or `POST /v1/notes` while it is active, and adopts what matches instead of
 * creating it again. Kept per company (`{prefix}:adopt:{company}:…`), since lead and note ids are.
 *
 * Leads are kept whatever import made them, when they carry an `origin_id`: a mapping can set
 * `origin_id` per row, so the import id is not the only mark of ours; a match still needs the same
 * title, person, organization and `origin_id`, which only the row that made the lead has.
 */
export class AdoptionBook {
  private readonly redis: AdoptionRedis;
  private readonly keys: ReturnType<typeof keysFor>;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly companyKey: string,
    /** How long what a reconciliation found stays adoptable (ms). */
    private readonly ttlMs: number,
    /** The connection the company is served through (its hash tag on a Redis Cluster). */
    connection: string = DEFAULT_CONNECTION,
  ) {
    if (!('adoptionOffer' in redis)) {
      redis.defineCommand('adoptionOffer', { numberOfKeys: 1, lua: OFFER_LUA });
      redis.defineCommand('adoptionClaim', { numberOfKeys: 2, lua: CLAIM_LUA });
    }
    this.redis = redis as AdoptionRedis;
    this.keys = keysFor(prefix, keyScope(redis, connection));
  }

  /** Adds listed leads (those with an `origin_id`); returns how many were kept. */
  async offerLeads(leads: Lead[]): Promise<number> {
    const args: string[] = [];
    for (const lead of leads) {
      if (!lead.origin_id) continue;
      args.push(
        leadMatchKey({
          title: lead.title,
          personId: lead.person_id ?? undefined,
          organizationId: lead.organization_id ?? undefined,
          originId: lead.origin_id,
        }),
        lead.id,
      );
    }
    if (args.length === 0) return 0;
    await this.redis.adoptionOffer(this.key('leads'), this.ttlMs, ...args);
    return args.length / 2;
  }

  /** Adds listed notes that belong to a lead; returns how many were kept. */
  async offerNotes(notes: Note[]): Promise<number> {
    const byLead = new Map<string, [number, string][]>();
    for (const note of notes) {
      if (!note.lead_id) continue;
      const list = byLead.get(note.lead_id) ?? [];
      list.push([note.id, noteDigest(note.content ?? '')]);
      byLead.set(note.lead_id, list);
    }
    if (byLead.size === 0) return 0;
    const key = this.key('notes');
    // Only the reconciler writes here, under its lock: read, merge, write is safe.
    const before = await this.redis.hmget(key, ...byLead.keys());
    const merged: Record<string, string> = {};
    let n = 0;
    [...byLead.entries()].forEach(([leadId, list], i) => {
      const known = before[i] ? (JSON.parse(before[i]) as [number, string][]) : [];
      for (const entry of list) if (!known.some(([id]) => id === entry[0])) known.push(entry);
      merged[leadId] = JSON.stringify(known);
      n += list.length;
    });
    await this.redis.multi().hset(key, merged).pexpire(key, this.ttlMs).exec();
    return n;
  }

  /** Adopts the lead a reconciliation found for this match, for `claimant` (a row) alone. */
  async claimLead(match: LeadMatch, claimant: string): Promise<string | undefined> {
    const id = await this.redis.adoptionClaim(
      this.key('leads'),
      this.key('claims'),
      leadMatchKey(match),
      claimant,
      this.ttlMs,
    );
    return id ?? undefined;
  }

  /** Marks a lead the row made itself as taken, so no other row adopts it. */
  async markOwn(leadId: string, claimant: string): Promise<void> {
    const key = this.key('claims');
    await this.redis.multi().hsetnx(key, leadId, claimant).pexpire(key, this.ttlMs).exec();
  }

  /** The note a reconciliation found on this lead with this text, if any. */
  async findNote(leadId: string, content: string): Promise<number | undefined> {
    const raw = await this.redis.hget(this.key('notes'), leadId);
    if (!raw) return undefined;
    const digest = noteDigest(content);
    return (JSON.parse(raw) as [number, string][]).find(([, d]) => d === digest)?.[0];
  }

  private key(kind: 'leads' | 'claims' | 'notes'): string {
    return this.keys.adoption(this.companyKey, kind);
  }
}
