import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import {
  isAbortedError,
  isAuthError,
  isNotFoundError,
  isPaymentRequiredError,
  isPermissionError,
  isRateLimitError,
  isValidationError,
  type PipedriveRateLimitError,
} from '../pipedrive/errors.js';
import type { Lead } from '../pipedrive/types.js';
import type { JobCheckpoint, LeadJobData, LeadJobResult } from '../queue/job-data.js';
import type { Counter, ImportLedger } from '../queue/ledger.js';
import type { CacheWarmer } from './cache-warmer.js';
import type { ContactFiller } from './contact-filler.js';
import { type ContactResolver, organizationBody, personBody } from './contact-resolver.js';
import { type DeadLetterWriter, errorClassOf, failureMessageOf } from './dead-letter-writer.js';
import { isBudgetSpentError } from './errors.js';
import type { LeadWriter } from './lead-writer.js';
import type { NoteWriter } from './note-writer.js';
import type { CallContext } from './pipedrive-gateway.js';
import { rateLimitKind } from './pipedrive-gateway.js';
import type { ProcessingControl } from './processing-control.js';

export interface LeadProcessorDeps {
  redis: Redis;
  ledger: ImportLedger;
  resolver: ContactResolver;
  leadWriter: LeadWriter;
  noteWriter: NoteWriter;
  filler: ContactFiller;
  warmer: CacheWarmer;
  deadLetters: DeadLetterWriter;
  control: ProcessingControl;
  metrics: MetricsRecorder;
  logger: Logger;
  /** A row re-queued by rate limits more often than this is dead-lettered. */
  maxRateLimitRequeues: number;
  /** Pause after an edge block (ms). */
  edgeBlockBackoffMs: number;
  /** Aborted when the worker is forced to stop: reaches every in-flight call. */
  shutdownSignal: AbortSignal;
}

export type LeadProcessor = (
  job: Job<LeadJobData, LeadJobResult>,
  token?: string,
  signal?: AbortSignal,
) => Promise<LeadJobResult>;

/**
 * One CSV row: organization → person → (with `fill-empty`, their empty fields) → lead → note,
 * each step checkpointed in the job (`job.updateData`) so a retry never redoes a finished step,
 * then the ledger. Failures become
 * queue actions: rate limits and a spent budget re-queue the row without spending an attempt, a
 * rejected token pauses everything, a row Pipedrive refuses goes to the dead-letter queue at
 * once, and anything transient is retried by BullMQ until its last attempt, then dead-lettered.
 */
export function createLeadProcessor(deps: LeadProcessorDeps): LeadProcessor {
  const { ledger, resolver, leadWriter, noteWriter, filler, warmer, logger, metrics } = deps;

  return async (job, _token, jobSignal) => {
    const started = Date.now();
    const data = job.data;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    // Linked by hand and unlinked when the job ends, as transport.ts does: `AbortSignal.any` would
    // leave an entry on the long-lived shutdown signal for every job, for ever (+7 MB per 150,000 jobs).
    const link = jobSignal ? linkSignals(jobSignal, deps.shutdownSignal) : undefined;
    const signal = link?.signal ?? deps.shutdownSignal;
    const ctx: CallContext = { signal, tokens: 0 };
    const cp: JobCheckpoint = { ...data.checkpoint };
    if (cp.firstAttemptAt === undefined) cp.firstAttemptAt = started;
    const save = () => job.updateData({ ...data, checkpoint: { ...cp } });
    let tokensRecorded = false;
    let recorded = false;
    let noteError: string | undefined;

    try {
      if (!cp.leadId && cp.leadIntentAt !== undefined) {
        // A retry: the row may have been recorded already by an attempt that died just after.
        const [outcome] = await ledger.outcomes(data.importId, [data.line]);
        if (outcome?.state === 'created') {
          cp.leadId = outcome.leadId;
          // Recorded means finished: the note (or its failure) is in the ledger too.
          if (outcome.noteId !== undefined) cp.noteId = outcome.noteId;
          recorded = true;
        }
      }
      if (!cp.leadId) {
        await warmer.prepare(data.importId, ctx);
        let org: { id: number; name: string } | undefined;
        if (data.organization) {
          if (cp.organizationId === undefined) {
            const fields = data.organization;
            const r = await resolver.organization(fields, ctx, (id) =>
              filler.recordCreated(data.importId, 'org', id, organizationBody(fields)),
            );
            cp.organizationId = r.id;
            cp.organizationCreated = r.created;
            // A cache hit costs nothing to repeat; anything that called Pipedrive is kept.
            if (!r.cached) await save();
          }
          org = { id: cp.organizationId, name: data.organization.name };
        }
        if (data.person && cp.personId === undefined) {
          const fields = data.person;
          const r = await resolver.person(fields, org, ctx, (id) =>
            filler.recordCreated(data.importId, 'person', id, personBody(fields, org?.id)),
          );
          cp.personId = r.id;
          cp.personCreated = r.created;
          if (!r.cached) await save();
        }
        await completeContacts(org?.id);
        const target = {
          importId: data.importId,
          lead: data.lead,
          personId: cp.personId,
          organizationId: cp.organizationId,
        };
        let lead: Lead | undefined;
        if (cp.leadIntentAt !== undefined) lead = await leadWriter.findExisting(target, cp.leadIntentAt, ctx);
        if (!lead) {
          const intentAt = cp.leadIntentAt ?? Date.now();
          cp.leadIntentAt = intentAt;
          await save();
          lead = await leadWriter.create(target, intentAt, ctx, async () => {
            cp.leadIntentAt = undefined;
            await save();
          });
        }
        cp.leadId = lead.id;
        // Without a note the ledger records the lead next, and a retry finds it there (or by its
        // intent); with one, the note's own steps come first, so the lead is checkpointed.
        if (data.note) await save();
      }
      if (data.note && cp.noteId === undefined && !recorded) await addNote(cp.leadId);

      const result: LeadJobResult = {
        leadId: cp.leadId,
        ...(cp.noteId !== undefined ? { noteId: cp.noteId } : {}),
        ...(cp.personId !== undefined
          ? { personId: cp.personId, personCreated: cp.personCreated === true }
          : {}),
        ...(cp.organizationId !== undefined
          ? { organizationId: cp.organizationId, organizationCreated: cp.organizationCreated === true }
          : {}),
      };
      const counters: Partial<Record<Counter, number>> = { tokensUsed: ctx.tokens };
      if (cp.noteId !== undefined) counters.createdNotes = 1;
      if (noteError !== undefined) counters.failedNotes = 1;
      if (cp.personId !== undefined) counters[cp.personCreated ? 'createdPersons' : 'reusedPersons'] = 1;
      if (cp.organizationId !== undefined) {
        counters[cp.organizationCreated ? 'createdOrganizations' : 'reusedOrganizations'] = 1;
      }
      const transition = await ledger.recordCreated(
        data.importId,
        data.line,
        { ...result, ...(noteError !== undefined ? { noteError } : {}) },
        counters,
      );
      tokensRecorded = transition.applied;
      if (transition.applied) {
        metrics.recordOutcome('created');
        if (cp.personId !== undefined)
          metrics.recordOutcome(cp.personCreated ? 'personCreated' : 'personReused');
        if (cp.organizationId !== undefined) {
          metrics.recordOutcome(cp.organizationCreated ? 'organizationCreated' : 'organizationReused');
        }
      }
      logger.info(
        {
          importId: data.importId,
          line: data.line,
          leadId: result.leadId,
          personId: result.personId,
          organizationId: result.organizationId,
          durationMs: Date.now() - started,
          attempt,
          tokens: ctx.tokens,
        },
        `Created lead ${result.leadId} for import ${data.importId} line ${data.line} (person ${describe(result.personId, result.personCreated)}, organization ${describe(result.organizationId, result.organizationCreated)}; ${Date.now() - started} ms, attempt ${attempt} of ${maxAttempts})`,
      );
      await completeImportIfDone(deps.redis, ledger, data.importId);
      return result;
    } catch (err) {
      return await handleFailure(err);
    } finally {
      link?.unlink();
      if (!tokensRecorded && ctx.tokens > 0) {
        await ledger.incrementCounters(data.importId, { tokensUsed: ctx.tokens }).catch(() => {});
      }
    }

    /**
     * The note, exactly once: an intent before `POST /v1/notes`, the id after. A note Pipedrive
     * refuses (it checked the text: 400) does not undo the lead: the row is recorded as created
     * with the note's error, which `report` shows.
     */
    async function addNote(leadId: string): Promise<void> {
      const content = data.note as string;
      try {
        let note =
          cp.noteIntentAt !== undefined ? await noteWriter.findExisting(leadId, content, ctx) : undefined;
        if (!note) {
          cp.noteIntentAt ??= Date.now();
          await save();
          note = await noteWriter.create(leadId, content, ctx, async () => {
            cp.noteIntentAt = undefined;
            await save();
          });
        }
        cp.noteId = note.id;
      } catch (err) {
        if (!(isValidationError(err) || isNotFoundError(err) || isPermissionError(err))) throw err;
        if (isPermissionError(err) && err.blockedByEdge) throw err;
        noteError = `${errorClassOf(err)}: ${failureMessageOf(err)}`;
        logger.warn(
          { importId: data.importId, line: data.line, leadId, errorClass: errorClassOf(err) },
          `Pipedrive refused the note of import ${data.importId} line ${data.line}; the lead stays, the report shows the error`,
        );
      }
    }

    /**
     * A contact this row linked but did not create gets the row's values where it has none: when
     * another row of the import created it (rows of one person complete it), or, with
     * `--update-contacts fill-empty`, when it existed before.
     */
    async function completeContacts(orgId: number | undefined): Promise<void> {
      const fillExisting = data.updateContacts === 'fill-empty';
      if (
        data.organization &&
        cp.organizationId !== undefined &&
        !cp.organizationCreated &&
        !cp.organizationFilled
      ) {
        const done = await filler.completeOrganization(
          data.importId,
          cp.organizationId,
          data.organization,
          fillExisting,
          ctx,
        );
        if (done === 'updated') metrics.recordOutcome('organizationFilled');
        if (done !== 'none') {
          cp.organizationFilled = true;
          await save();
        }
      }
      if (data.person && cp.personId !== undefined && !cp.personCreated && !cp.personFilled) {
        const done = await filler.completePerson(
          data.importId,
          cp.personId,
          data.person,
          orgId,
          fillExisting,
          ctx,
        );
        if (done === 'updated') metrics.recordOutcome('personFilled');
        if (done !== 'none') {
          cp.personFilled = true;
          await save();
        }
      }
    }

    async function requeue(reason: string): Promise<never> {
      logger.debug(
        { importId: data.importId, line: data.line, reason },
        'Row re-queued without spending an attempt',
      );
      throw Worker.RateLimitError();
    }

    async function deadLetter(err: unknown, reason?: string): Promise<never> {
      await deps.deadLetters.write(job, err, attempt, reason);
      metrics.recordOutcome('deadLettered');
      const message = reason ?? failureMessageOf(err);
      logger.warn(
        {
          importId: data.importId,
          line: data.line,
          errorClass: errorClassOf(err),
          httpStatus: (err as { status?: number }).status || undefined,
          durationMs: Date.now() - started,
          attempt,
        },
        `Dead-lettered import ${data.importId} line ${data.line}: ${errorClassOf(err)} (attempt ${attempt} of ${maxAttempts})`,
      );
      await completeImportIfDone(deps.redis, ledger, data.importId);
      throw new UnrecoverableError(message);
    }

    async function rateLimited(err: PipedriveRateLimitError | undefined, waitMs: number, kind: string) {
      cp.rateLimitRequeues = (cp.rateLimitRequeues ?? 0) + 1;
      if (cp.rateLimitRequeues > deps.maxRateLimitRequeues) {
        return deadLetter(
          err ?? new Error(kind),
          `Rate-limited ${cp.rateLimitRequeues - 1} times (${kind}); giving up on this row so it does not loop forever`,
        );
      }
      await save();
      await deps.control.holdQueue(waitMs);
      return requeue(kind);
    }

    async function handleFailure(err: unknown): Promise<never> {
      if (signal.aborted || isAbortedError(err)) {
        // Shutdown: the row goes back to the queue as it is; its checkpoint says what is done.
        await save().catch(() => {});
        return requeue('shutdown');
      }
      if (isBudgetSpentError(err)) {
        await deps.control.waitForBudget(err.untilMs, err.used, err.limit);
        return requeue('budget');
      }
      if (isRateLimitError(err)) {
        const kind = rateLimitKind(err);
        metrics.recordRateLimited(kind);
        if (kind === 'daily') {
          const status = await deps.control.governorStatus();
          await deps.control.waitForBudget(status.nextResetAt, status.used, status.limit);
          return requeue('daily budget');
        }
        return rateLimited(err, err.retryAfterMs, kind);
      }
      if (isPermissionError(err) && err.blockedByEdge) {
        metrics.recordRateLimited('burst');
        return rateLimited(undefined, deps.edgeBlockBackoffMs, 'edge block (HTML 403)');
      }
      if (isAuthError(err) || isPaymentRequiredError(err)) {
        await deps.control.blockForAuth(err, isAuthError(err) ? 'auth' : 'payment');
        return requeue('auth');
      }
      if (isValidationError(err) || isNotFoundError(err) || isPermissionError(err)) return deadLetter(err);
      if (attempt >= maxAttempts) return deadLetter(err);
      logger.info(
        { importId: data.importId, line: data.line, errorClass: errorClassOf(err), attempt },
        `Import ${data.importId} line ${data.line} failed (attempt ${attempt} of ${maxAttempts}): ${errorClassOf(err)}; will retry`,
      );
      throw err;
    }
  };
}

/** A signal aborted when either is; `unlink()` removes its listeners from both. */
function linkSignals(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; unlink(): void } {
  const controller = new AbortController();
  const onA = () => controller.abort(a.reason);
  const onB = () => controller.abort(b.reason);
  if (a.aborted) onA();
  else if (b.aborted) onB();
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: controller.signal,
    unlink() {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}

function describe(id: number | undefined, created: boolean | undefined): string {
  if (id === undefined) return 'none';
  return `${id} ${created ? 'created' : 'reused'}`;
}

/** The producer is done (`enqueued`) and no row is pending: the import is complete. */
async function completeImportIfDone(redis: Redis, ledger: ImportLedger, importId: string): Promise<void> {
  // Five fields, not the whole record: this runs after every row.
  const [state, enqueued, created, deadLettered, cancelled] = await redis.hmget(
    ledger.keys.import(importId),
    'state',
    'enqueued',
    'created',
    'deadLettered',
    'cancelled',
  );
  const pending =
    Number(enqueued ?? 0) - Number(created ?? 0) - Number(deadLettered ?? 0) - Number(cancelled ?? 0);
  if (state === 'enqueued' && pending <= 0) await ledger.setState(importId, 'completed');
}
