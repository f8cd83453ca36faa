import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { ConnectionMetrics } from '../metrics/recorder.js';
import {
  isAbortedError,
  isAuthError,
  isNotFoundError,
  isPaymentRequiredError,
  isPermissionError,
  isRateLimitError,
  isValidationError,
  PipedriveError,
  type PipedriveRateLimitError,
} from '../pipedrive/errors.js';
import type { Lead } from '../pipedrive/types.js';
import type { DurableWrites } from '../queue/durable-writes.js';
import type { JobCheckpoint, LeadJobData, LeadJobResult } from '../queue/job-data.js';
import type { Counter, ImportLedger } from '../queue/ledger.js';
import { RecentMap } from '../queue/recent-map.js';
import { linkSignals } from './abort-fanout.js';
import type { AdoptionBook } from './adoption-book.js';
import type { CacheWarmer } from './cache-warmer.js';
import type { ContactFiller } from './contact-filler.js';
import {
  type ContactResolver,
  type KnownContacts,
  organizationBody,
  personBody,
} from './contact-resolver.js';
import { type DeadLetterWriter, errorClassOf, failureMessageOf } from './dead-letter-writer.js';
import type { DurabilityGate } from './durability-gate.js';
import {
  ImportCompanyMismatchError,
  isBudgetSpentError,
  isDelayedError,
  isRowLeaseLostError,
  isRowRestartError,
  RowLeaseLostError,
  RowRestartError,
} from './errors.js';
import { type LeadWriter, leadBodyOf } from './lead-writer.js';
import type { NoteWriter } from './note-writer.js';
import type { CallContext } from './pipedrive-gateway.js';
import { rateLimitKind } from './pipedrive-gateway.js';
import type { ProcessingControl } from './processing-control.js';
import type { LeaseBusy, RowLease, RowLeases } from './row-lease.js';
import { waitUntilOld } from './sleep.js';

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
  metrics: ConnectionMetrics;
  logger: Logger;
  /** A row re-queued by rate limits more often than this is dead-lettered. */
  maxRateLimitRequeues: number;
  /** Pause after an edge block (ms). */
  edgeBlockBackoffMs: number;
  /** Aborted when the worker is forced to stop: reaches every in-flight call. */
  shutdownSignal: AbortSignal;
  /** One runner per row: the lease that fences the row's writes and creates. */
  leases: RowLeases;
  /** Closed while Redis may have rolled back, until Pipedrive is reconciled. */
  gate: DurabilityGate;
  /** Makes an intent durable before its create is sent, where the server can. */
  durable: DurableWrites;
  /** What a reconciliation found, for rows whose intents were lost. */
  adoption: AdoptionBook;
  /**
   * How long after its intent a create sent by a runner that then stopped may still land (ms): a
   * row that inherits a younger lead or note intent waits until it is this old before looking.
   */
  inFlightWindowMs: number;
  /** The BullMQ job whose lock a row's lease lives with, when it is not the row's own job (a chunk's row). */
  bullJobIdOf?: (job: Job<LeadJobData, LeadJobResult>) => string | undefined;
  /**
   * The Pipedrive company this worker's credentials belong to (`users/me`). A row of an import recorded as another
   * company's is dead-lettered without a call ({@link ImportCompanyMismatchError}). @defaultValue unchecked
   */
  companyId?: number;
}

export interface LeadProcessor {
  (job: Job<LeadJobData, LeadJobResult>, token?: string, signal?: AbortSignal): Promise<LeadJobResult>;
  /**
   * Rows about to run together (a chunk's, as it starts): their contacts are looked up in the shared cache for all
   * of them at once (two commands, not two a row), and each row's run uses what was found. {@link rowsEnded}
   * forgets what was found for rows that did not run.
   */
  rowsStarting(jobs: readonly Job<LeadJobData, LeadJobResult>[]): void;
  /** The rows {@link rowsStarting} was told of have ended (run or not). */
  rowsEnded(jobs: readonly Job<LeadJobData, LeadJobResult>[]): void;
}

/**
 * How long a miss found by a chunk's lookup ({@link LeadProcessor.rowsStarting}) is trusted (ms). A chunk's rows may
 * wait a while for their permits, and meanwhile another row may create the contact. A hit stays true (ids do not
 * change); an older miss is read again when the contact is resolved (one HGET), which costs less than going
 * through the contact's lock to find it there (six commands).
 */
const TRUSTED_MISS_AGE_MS = 5000;

/**
 * One CSV row: organization → person → (with `fill-empty`, their empty fields) → lead → note,
 * checkpointed (in the job, or under the row's own key for a chunk's row) so a retry never redoes a
 * Pipedrive write nor loses an intent, then the ledger. A checkpoint is written where it matters and
 * no more often: each intent before its create; a contact this row created (what a retry could not
 * learn from the cache, which gives it the id) with the next one, at the latest before the next create
 * is sent or the row leaves; a contact found needs none (the cache has it for a retry). Failures become
 * queue actions: rate limits and a spent budget re-queue the row without spending an attempt, a
 * rejected token pauses everything, a row Pipedrive refuses goes to the dead-letter queue at
 * once, and anything transient is retried by BullMQ until its last attempt, then dead-lettered.
 *
 * Exactly once when things go wrong around it: the row waits while Redis may have rolled back
 * (`durability-gate.ts`), holds a lease that fences every checkpoint, outcome and create
 * (`row-lease.ts`), and, where Redis may have lost its intent, adopts what the reconciliation
 * found in Pipedrive (`adoption-book.ts`) instead of creating it again.
 */
export function createLeadProcessor(deps: LeadProcessorDeps): LeadProcessor {
  const { ledger, resolver, leadWriter, noteWriter, filler, warmer, logger, metrics } = deps;
  /**
   * The line an operator tails the log for: a row's outcome that completed its import (its last pending row), with
   * the import's totals. Once per import: only the step that ends the last pending row says so. A failed read loses
   * the line, never the row.
   */
  const logImportCompleted = async (importId: string): Promise<void> => {
    const r = await ledger.getImport(importId).catch(() => null);
    if (!r) return;
    logger.info(
      {
        importId,
        rows: r.rows,
        created: r.created,
        rejected: r.rejected,
        deadLettered: r.deadLettered,
        cancelled: r.cancelled,
        tokensUsed: r.tokensUsed,
        durationMs: Date.now() - r.createdAt,
      },
      `Import ${importId} completed: rows ${r.rows} = created ${r.created} + rejected ${r.rejected} + dead-lettered ${r.deadLettered} + cancelled ${r.cancelled}; ${r.tokensUsed} tokens`,
    );
  };
  /** Each import's company, recorded (or read) once per process: one round trip per import, not per row. */
  const importCompanies = new RecentMap<string, Promise<number>>();
  const companyOf = (importId: string, companyId: number): Promise<number> => {
    let recorded = importCompanies.get(importId);
    if (!recorded) {
      recorded = ledger.recordCompany(importId, companyId);
      recorded.catch(() => importCompanies.delete(importId));
      importCompanies.set(importId, recorded);
    }
    return recorded;
  };

  /** What `rowsStarting` found in the cache, by row job id, until the row runs. */
  const lookedUpAhead = new Map<string, { known: Promise<KnownContacts>; sentAt: number }>();

  const processor = async (
    job: Job<LeadJobData, LeadJobResult>,
    token?: string,
    jobSignal?: AbortSignal,
  ): Promise<LeadJobResult> => {
    const started = Date.now();
    const data = job.data;
    // A row split out of its chunk to be retried carries the attempts it spent there.
    const prior = data.priorAttempts ?? 0;
    const attempt = prior + job.attemptsMade + 1;
    const maxAttempts = prior + (job.opts.attempts ?? 1);
    // Linked by hand and unlinked when the job ends, as transport.ts does: `AbortSignal.any` would
    // leave an entry on the long-lived shutdown signal for every job, for ever (+7 MB per 150,000 jobs).
    const link = jobSignal ? linkSignals(jobSignal, deps.shutdownSignal) : undefined;
    const signal = link?.signal ?? deps.shutdownSignal;
    const ctx: CallContext = { signal, tokens: 0 };
    const cp: JobCheckpoint = { ...data.checkpoint };
    if (cp.firstAttemptAt === undefined) cp.firstAttemptAt = started;
    let lease: RowLease | undefined;
    /**
     * The checkpoint lacks something this attempt learned that a retry could not learn again for free: a contact it
     * created (the cache would give a retry the id, not that this row created it) or filled. Written with the next
     * checkpoint (the lead's intent, most often, right after), before any create is sent, and on the way out.
     */
    let unsaved = false;
    /** Checkpoints are the lease holder's to write (throws `RowLeaseLostError` otherwise). */
    const save = async () => {
      if (lease) await lease.save(job, { ...data, checkpoint: { ...cp } });
      unsaved = false;
    };
    /** On the way out (a failure, a re-queue): a runner that lost the row just leaves it. */
    const saveIfOwner = () =>
      save().catch((err: unknown) => {
        if (!isRowLeaseLostError(err)) throw err;
      });
    const claimant = `${data.importId}:${data.line}`;
    let tokensRecorded = false;
    let recorded = false;
    let noteError: string | undefined;

    try {
      // Nothing is decided on state Redis may have lost: wait until the epoch is known.
      await deps.gate.whenOpen(signal);
      // The contacts still to resolve, looked up in the shared cache together (one round trip): with the chunk's
      // other rows as it started, or for a row starting afresh, issued with the lease's take, so both leave in one
      // write and answer in one round trip (the worker's client batches a turn's commands). A read of the shared
      // cache, not of the row's own state: as fresh as one made after the take (a miss is checked again under the
      // contact's lock). A row whose checkpoint is under its own key (`cpKey`) may have resolved more than its job
      // says: looked up all the same (a field more to read, not a command).
      const lookUpContacts = () =>
        resolver.lookUp(
          cp.organizationId === undefined ? data.organization : undefined,
          cp.personId === undefined ? data.person : undefined,
          data.organization?.name,
        );
      const early = lookedUpAhead.has(job.id as string)
        ? knownAhead(job.id as string)
        : !cp.leadId && cp.leadIntentAt === undefined && warmer.isPrepared(data.importId)
          ? lookUpContacts()
          : undefined;
      early?.catch(() => {}); // awaited below, unless the row stops first
      const taken = await deps.leases.take(job, deps.bullJobIdOf?.(job));
      if ('busy' in taken) return await runElsewhere(taken);
      if ('finished' in taken) return { leadId: '', alreadyFinished: true };
      lease = taken;
      if (deps.companyId !== undefined) {
        const recorded = await companyOf(data.importId, deps.companyId);
        if (recorded !== deps.companyId) {
          throw new ImportCompanyMismatchError(data.importId, recorded, deps.companyId);
        }
      }
      const held = taken;
      // A row enqueued in a chunk: its checkpoint is the one stored under its own key, whichever job wrote it
      // (the job's data holds what its producer or splitter knew, older or the same). Taken whole, not laid over
      // the job's: what the row dropped since (a contact found gone, an intent whose create was refused) stays
      // dropped. Merged, a row split out of its chunk got a deleted organization back from its job's data at every
      // run, until its rechecks ran out and the refusal dead-lettered it (the power-loss chaos run, one row in two).
      const stored = taken.storedCheckpoint;
      if (stored) {
        for (const field of Object.keys(cp) as (keyof JobCheckpoint)[]) {
          if (field !== 'firstAttemptAt') delete cp[field];
        }
        Object.assign(cp, stored);
        // What a dead-letter entry or a split-out job copies: the row's intents must travel with it.
        job.data = { ...data, checkpoint: { ...cp } };
      }
      const generation = deps.gate.generation;
      ctx.guard = {
        beforeCreate: async () => {
          if (!deps.gate.isOpen) await deps.gate.whenOpen(signal);
          if (deps.gate.generation !== generation) {
            throw new RowRestartError('Redis changed (restart or failover) while the row ran');
          }
          await deps.durable.makeDurable();
          // Nothing this attempt learned is left only in memory once Pipedrive may hold something new.
          if (unsaved) await save();
        },
        beforeSend: async () => {
          if (!deps.gate.isOpen || deps.gate.generation !== generation) {
            throw new RowRestartError('Redis changed (restart or failover) while the row ran');
          }
          await held.check();
        },
      };

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
        const known = await (early ?? lookUpContacts());
        let org: { id: number; name: string } | undefined;
        if (data.organization) {
          if (cp.organizationId === undefined) {
            const fields = data.organization;
            const r = await resolver.organization(
              fields,
              ctx,
              (id) => filler.recordCreated(data.importId, 'org', id, organizationBody(fields)),
              known.org,
            );
            cp.organizationId = r.id;
            cp.organizationCreated = r.created;
            // Found (in the cache, or by a search or a listing that put it there): a retry finds it in the cache for
            // nothing. Created: that this row created it is kept, with the next checkpoint.
            if (r.created) unsaved = true;
          }
          org = { id: cp.organizationId, name: data.organization.name };
        }
        if (data.person && cp.personId === undefined) {
          // The person not in the cache: its resolution may take a while (a lock, a search), so what is unsaved is
          // written first rather than left to a kill for that long.
          if (unsaved && typeof known.person !== 'number') await save();
          const fields = data.person;
          const r = await resolver.person(
            fields,
            org,
            ctx,
            (id) => filler.recordCreated(data.importId, 'person', id, personBody(fields, org?.id)),
            known.person,
          );
          cp.personId = r.id;
          cp.personCreated = r.created;
          if (r.created) unsaved = true;
        }
        await completeContacts(org?.id);
        const target = {
          importId: data.importId,
          line: data.line,
          lead: data.lead,
          personId: cp.personId,
          organizationId: cp.organizationId,
        };
        let lead: Pick<Lead, 'id'> | undefined;
        if (cp.leadIntentAt !== undefined) {
          // An intent from an attempt that did not finish: its POST may still be on the wire.
          await waitUntilOld(cp.leadIntentAt, deps.inFlightWindowMs, signal);
          lead = await leadWriter.findExisting(target, cp.leadIntentAt, ctx);
        }
        const body = leadBodyOf(target);
        const match = {
          title: body.title,
          personId: target.personId,
          organizationId: target.organizationId,
          originId: body.origin_id,
        };
        if (!lead && deps.gate.adoptionActive) {
          // Redis may have lost this row's intent: a lead the reconciliation found is adopted.
          const id = await deps.adoption.claimLead(match, claimant);
          if (id) {
            lead = { id };
            logger.info(
              { importId: data.importId, line: data.line, leadId: id },
              `Adopted lead ${id} for import ${data.importId} line ${data.line}: created before Redis lost the row's intent`,
            );
          }
        }
        if (!lead) {
          const intentAt = cp.leadIntentAt ?? Date.now();
          cp.leadIntentAt = intentAt;
          await save();
          lead = await leadWriter.create(target, intentAt, ctx, async () => {
            cp.leadIntentAt = undefined;
            await save();
          });
          if (deps.gate.adoptionActive) await deps.adoption.markOwn(lead.id, claimant);
        }
        cp.leadId = lead.id;
        // Without a note the ledger records the lead next, and a retry finds it there (or by its
        // intent); with one, the note's own steps come first, so the lead is checkpointed: with the note's
        // intent, which follows at once (a retry before it finds the lead by the lead's intent).
        if (data.note) unsaved = true;
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
        held.fence,
        // The row's last write: the same step drops the lease and completes the import if this was its last row.
        { finish: true },
      );
      if (transition.fenced)
        throw new RowLeaseLostError('The row lease was lost before its outcome was recorded');
      held.ended();
      // With failover, the outcome reaches a replica before the job completes: a promoted replica
      // that had the completion but not the outcome would hold a pending row without a job.
      if (transition.applied) await deps.durable.makeDurable();
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
      if (transition.completedImport) await logImportCompleted(data.importId);
      return result;
    } catch (err) {
      return await handleFailure(err);
    } finally {
      link?.unlink();
      if (!tokensRecorded && ctx.tokens > 0) {
        await ledger.incrementCounters(data.importId, { tokensUsed: ctx.tokens }).catch(() => {});
      }
      await lease?.release().catch(() => {});
    }

    /**
     * Another runner holds the row's lease (a worker frozen or cut off, whose lock BullMQ gave
     * up on, may still be at it): this attempt does nothing and the job comes back once that lease
     * has run out, without spending an attempt.
     */
    async function runElsewhere(busy: LeaseBusy): Promise<never> {
      const retryInMs = busy.remainingMs + 250;
      logger.info(
        { importId: data.importId, line: data.line, holder: busy.holder, retryInMs },
        `Import ${data.importId} line ${data.line} is held by another runner (${busy.holder}); trying again in ${retryInMs} ms`,
      );
      if (!token) throw Worker.RateLimitError();
      await job.moveToDelayed(Date.now() + retryInMs, token);
      throw new DelayedError();
    }

    /**
     * The note, exactly once: an intent before `POST /v1/notes`, the id after. A note Pipedrive
     * refuses (it checked the text: 400) does not undo the lead: the row is recorded as created
     * with the note's error, which `report` shows.
     */
    async function addNote(leadId: string): Promise<void> {
      const content = data.note as string;
      try {
        let note: { id: number } | undefined;
        if (cp.noteIntentAt !== undefined) {
          await waitUntilOld(cp.noteIntentAt, deps.inFlightWindowMs, signal);
          note = await noteWriter.findExisting(leadId, content, ctx);
        } else if (deps.gate.adoptionActive) {
          const id = await deps.adoption.findNote(leadId, content);
          if (id !== undefined) note = { id };
        }
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
      // A contact this row created is checkpointed before a fill calls Pipedrive (a kill there would lose it).
      const keepUnsaved = async () => {
        if (unsaved) await save();
      };
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
          keepUnsaved,
        );
        if (done === 'updated') metrics.recordOutcome('organizationFilled');
        // Filling again costs a retry one read of the contact's marker, which says it is done: kept with the next
        // checkpoint.
        if (done !== 'none') {
          cp.organizationFilled = true;
          unsaved = true;
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
          keepUnsaved,
        );
        if (done === 'updated') metrics.recordOutcome('personFilled');
        if (done !== 'none') {
          cp.personFilled = true;
          unsaved = true;
        }
      }
    }

    /**
     * A write Pipedrive refused may name a contact the row reused from the shared cache that is gone since — someone
     * deleted it, or merged it into another: "Organization with id 1 does not exist", or a 404 on its update. Every
     * later row of it would be refused the same way, a `dlq retry` too. So each contact the row links is read
     * (1 token each); one that is gone leaves the cache and the checkpoint, and the row goes again at once to find
     * it anew or create it. Twice at most per row (its organization, then its person); a refusal this does not
     * explain is dead-lettered. When the look itself fails, see {@link lookFailed}. A contact the row created itself
     * is read too: someone may delete it before the row's next write (an operator cleaning up as the import runs, as
     * the chaos run's does), and the row was dead-lettered for it.
     */
    async function forgetGoneContacts(err: unknown): Promise<boolean> {
      try {
        return await forgetGone(err);
      } catch (lookErr) {
        return lookFailed(lookErr, err);
      }
    }

    /**
     * The look at the row's contacts failed: that says nothing about them. A 429, a spent budget, a rejected token
     * or a shutdown goes the way it goes for any call (the row waits and comes back without spending an attempt,
     * and looks again); a 5xx or a dropped connection spends an attempt, as any call's would. Only what ends the row
     * (a look refused for good, or its last attempt) dead-letters it, with Pipedrive's refusal: thrown from here on
     * the last attempt, BullMQ would fail its job with no dead-letter entry. `dlq retry` looks again. (A 429 on the
     * look used to dead-letter the row at once: the chaos run's Lite squeeze did that to one row in two runs.)
     */
    async function lookFailed(lookErr: unknown, refusal: unknown): Promise<never> {
      if (isRowLeaseLostError(lookErr)) return leaseLost();
      const waits =
        isRateLimitError(lookErr) ||
        isBudgetSpentError(lookErr) ||
        (isPermissionError(lookErr) && lookErr.blockedByEdge) ||
        isAuthError(lookErr) ||
        isPaymentRequiredError(lookErr) ||
        isRowRestartError(lookErr) ||
        signal.aborted ||
        isAbortedError(lookErr);
      if (waits) return handleFailure(lookErr);
      const final =
        isValidationError(lookErr) ||
        isNotFoundError(lookErr) ||
        isPermissionError(lookErr) ||
        attempt >= maxAttempts;
      logger.warn(
        { importId: data.importId, line: data.line, errorClass: errorClassOf(lookErr), attempt },
        `Import ${data.importId} line ${data.line}: could not check whether its contacts are still in Pipedrive; ${final ? 'dead-lettering the row' : 'will retry'}`,
      );
      if (final) return deadLetter(refusal);
      throw lookErr;
    }

    async function forgetGone(err: unknown): Promise<boolean> {
      if (cp.leadId !== undefined || (cp.contactRechecks ?? 0) >= 2 || !lease) return false;
      const row = { organization: data.organization, person: data.person };
      let gone = false;
      if (cp.organizationId !== undefined) {
        if (await resolver.forgetIfGone('org', cp.organizationId, row, undefined, ctx)) {
          gone = true;
          cp.organizationId = undefined;
          cp.organizationCreated = undefined;
          cp.organizationFilled = undefined;
        }
      }
      if (cp.personId !== undefined) {
        const org =
          cp.organizationId !== undefined && data.organization
            ? { id: cp.organizationId, name: data.organization.name }
            : undefined;
        if (await resolver.forgetIfGone('person', cp.personId, row, org, ctx)) {
          gone = true;
          cp.personId = undefined;
          cp.personCreated = undefined;
          cp.personFilled = undefined;
        }
      }
      if (!gone) return false;
      cp.contactRechecks = (cp.contactRechecks ?? 0) + 1;
      await save();
      logger.info(
        { importId: data.importId, line: data.line, errorClass: errorClassOf(err) },
        `Import ${data.importId} line ${data.line}: a contact the cache named is gone from Pipedrive (deleted or merged); finding it anew`,
      );
      return true;
    }

    async function requeue(reason: string): Promise<never> {
      logger.debug(
        { importId: data.importId, line: data.line, reason },
        'Row re-queued without spending an attempt',
      );
      throw Worker.RateLimitError();
    }

    async function deadLetter(err: unknown, reason?: string): Promise<never> {
      if (!lease) return leaseLost();
      let completedImport: boolean | undefined;
      try {
        ({ completedImport } = await deps.deadLetters.write(job, err, attempt, reason, lease));
      } catch (writeErr) {
        if (isRowLeaseLostError(writeErr)) return leaseLost();
        throw writeErr;
      }
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
      if (completedImport) await logImportCompleted(data.importId);
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
      await saveIfOwner();
      await deps.control.holdQueue(waitMs);
      return requeue(kind);
    }

    /**
     * Someone else runs the row now: write nothing, send nothing. If BullMQ still counts the job
     * as ours it goes back to the queue; if not, BullMQ's move is refused and changes nothing.
     */
    function leaseLost(): never {
      logger.warn(
        { importId: data.importId, line: data.line, leadId: cp.leadId, attempt },
        `Stopped import ${data.importId} line ${data.line}: another worker owns the row now (this worker's lease on it ran out); nothing more written by this one`,
      );
      throw Worker.RateLimitError();
    }

    async function handleFailure(err: unknown): Promise<never> {
      if (isDelayedError(err)) throw err;
      if (isRowLeaseLostError(err)) return leaseLost();
      // What this attempt learned leaves with the row whichever way it goes (the paths below that save write it
      // again: rare ones), and a dead-letter entry copies it.
      if (unsaved) await saveIfOwner().catch(() => {});
      if (isRowRestartError(err)) {
        // What the row read may predate a Redis rollback: it starts again from its checkpoint.
        await saveIfOwner().catch(() => {});
        logger.info(
          { importId: data.importId, line: data.line, reason: (err as Error).message },
          `Import ${data.importId} line ${data.line} starts again: ${(err as Error).message}`,
        );
        return requeue('redis changed');
      }
      if (signal.aborted || isAbortedError(err)) {
        // Shutdown: the row goes back to the queue as it is; its checkpoint says what is done.
        await saveIfOwner().catch(() => {});
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
      if ((isValidationError(err) || isNotFoundError(err)) && (await forgetGoneContacts(err))) {
        return requeue('contact gone');
      }
      if (isValidationError(err) || isNotFoundError(err) || isPermissionError(err)) return deadLetter(err);
      if (err instanceof ImportCompanyMismatchError) return deadLetter(err);
      if (attempt >= maxAttempts) return deadLetter(err);
      // Which call and what came back (never the body: Pipedrive's messages may quote the row's values).
      const call =
        err instanceof PipedriveError
          ? ` (${err.method} ${err.path}: ${err.status === 0 ? 'no answer' : err.status})`
          : '';
      logger.info(
        { importId: data.importId, line: data.line, errorClass: errorClassOf(err), attempt },
        `Import ${data.importId} line ${data.line} failed (attempt ${attempt} of ${maxAttempts}): ${errorClassOf(err)}${call}; will retry`,
      );
      throw err;
    }
  };

  /**
   * What the chunk's lookup found for a row (taken once): its misses only while young, older ones left for the
   * resolution to read again. A lookup that failed is made again by the resolution.
   */
  function knownAhead(jobId: string): Promise<KnownContacts> {
    const ahead = lookedUpAhead.get(jobId) as { known: Promise<KnownContacts>; sentAt: number };
    lookedUpAhead.delete(jobId);
    const young = performance.now() - ahead.sentAt < TRUSTED_MISS_AGE_MS;
    return ahead.known.then(
      (known) => {
        if (young) return known;
        const hits: KnownContacts = {};
        if (typeof known.org === 'number') hits.org = known.org;
        if (typeof known.person === 'number') hits.person = known.person;
        return hits;
      },
      () => ({}),
    );
  }

  return Object.assign(processor, {
    rowsStarting(jobs: readonly Job<LeadJobData, LeadJobResult>[]): void {
      // Before an import's cache is prepared a lookup would miss what its warming lists: those rows look up later.
      const rows = jobs.filter((job) => warmer.isPrepared(job.data.importId));
      if (rows.length === 0) return;
      const sentAt = performance.now();
      const all = resolver.lookUpMany(
        rows.map(({ data }) => ({
          organization: data.organization,
          person: data.person,
          organizationName: data.organization?.name,
        })),
      );
      rows.forEach((job, i) => {
        const known = all.then((found) => found[i] as KnownContacts);
        known.catch(() => {}); // read by the row, which looks up itself if it failed
        lookedUpAhead.set(job.id as string, { known, sentAt });
      });
    },
    rowsEnded(jobs: readonly Job<LeadJobData, LeadJobResult>[]): void {
      for (const job of jobs) lookedUpAhead.delete(job.id as string);
    },
  });
}

function describe(id: number | undefined, created: boolean | undefined): string {
  if (id === undefined) return 'none';
  return `${id} ${created ? 'created' : 'reused'}`;
}
