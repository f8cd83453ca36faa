import type { Command } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { importConnectionOf, loadConfig } from '../config/config.js';
import { formatUtc } from '../ops/format.js';
import { connectionSettings, openGuardedPipedrive } from '../ops/guarded-pipedrive.js';
import { ImportCompanyError } from '../ops/import-company-error.js';
import { withOps } from '../ops/ops-context.js';
import {
  lastVerificationOf,
  planRepair,
  prepareVerify,
  type RepairSummary,
  repairImport,
  saveVerification,
  type VerifyStrategy,
  verifyImport,
} from '../ops/verify.js';
import { describeRepair, describeVerifyPlan, describeVerifyReport } from '../ops/verify-text.js';
import { isBudgetSpentError } from '../worker/errors.js';

const STRATEGIES: readonly VerifyStrategy[] = ['since', 'contacts', 'row'];

export const command: Command = {
  name: 'verify',
  summary: "compare an import's ledger with what Pipedrive holds; --repair fixes what it caused",
  help: `Usage: lead-importer verify ID [--repair] [--yes] [--json] [--by since|contacts|row] [--connection NAME]

Compares what import ID recorded with what the Pipedrive company it went to holds (its
connection's URL and credentials):
  missing      rows recorded as created whose lead is gone (deleted in Pipedrive; archived is not missing)
  unrecorded   leads with this import's origin_id that no row records
  duplicates   leads with the title, person and organization of a lead a row records, and
               copies of a row's note on its lead: what a create sent twice leaves
It prints the estimated token cost first; reads go through the workers' rate limiter and budget.
The result is kept on the import (the dashboard's import page shows the last one).
Credentials that now belong to another company than the import went to are refused (exit 2).

--repair, after --yes (without it, it says what it would do and changes nothing):
  - deletes the duplicate leads (6 tokens each), then the duplicate notes, as revert does: each
    note only while it is still on its lead (read first, 2 tokens, then 6 to delete), so the note
    of a duplicate lead converted into a deal since, or one someone moved, stays; never the lead or
    note a row records;
  - puts each row whose lead is missing back to pending. Its lead is created again by running the
    import again with the same file: lead-importer import FILE --import-id ID enqueues only rows
    that are pending without a job. (Why not at once: a created row's cells are not kept in Redis,
    only its ids, and the lead's fields cannot be read back from a lead that is gone.)
    A lead someone deleted on purpose comes back that way: leave such rows out by not re-importing.
  - leaves unrecorded leads alone: no row says which line made them (see \`report ID\`).
It refuses an import with pending rows (leads still being created look unrecorded); verify without
--repair warns instead.

How it looks (--by), cheapest first for most imports:
  since     (default) list every lead touched since the import started: 20 tokens per 500 leads,
            the only way to see every lead of the import. When the company touched many other
            leads since, it stops once listing by contact is cheaper and does that instead.
  contacts  list the leads of each person (or organization) the rows recorded: 20 tokens each;
            finds unrecorded leads on those contacts only.
  row       GET each recorded lead: 2 tokens each (cheaper than one listing page below 10 leads);
            finds missing leads only.
A recorded lead no listing shows is fetched on its own (2 tokens) before it is called missing.
With notes, notes added since the import started are listed too (20 tokens per 500).

Options:
  --repair        fix what the import caused (see above); needs --yes to change anything
  --yes           really repair
  --by STRATEGY   since | contacts | row (default since)
  --connection NAME  refuse unless the import went to this connection
  --json          print one JSON object: {"importId","leadsChecked","missing","unrecorded",
                  "duplicates","duplicateNotes","repaired","tokensUsed",…} with every finding;
                  {"importId","complete":false,"budgetSpentUntil","plan"} when the day's
                  budget ran out before it finished (exit 1)

Exit codes: 0 Pipedrive matches the ledger (or --repair --yes fixed everything found);
3 something was found and remains (without --repair --yes, or unrecorded leads);
1 Pipedrive failed or the day's budget ran out (run again later); 2 usage or configuration error.

Examples:
  lead-importer verify leads-3f2a9c
  lead-importer verify leads-3f2a9c --repair --yes
  lead-importer import leads.csv --import-id leads-3f2a9c   # re-creates the missing leads`,
  options: {
    repair: { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
    by: { type: 'string' },
    connection: { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const config = loadConfig(io.env);
    const importId = args.positionals[0]!;
    const repair = args.values.repair === true;
    const yes = args.values.yes === true;
    const json = args.values.json === true;
    const by = args.values.by ?? 'since';
    if (!STRATEGIES.includes(by as VerifyStrategy)) {
      throw new UsageError(`--by must be one of ${STRATEGIES.join(', ')}, got "${String(by)}".`);
    }
    if (yes && !repair) {
      throw new UsageError('--yes goes with --repair: verify alone changes nothing.');
    }
    const connectionFlag = typeof args.values.connection === 'string' ? args.values.connection : undefined;
    return withOps(config, async (ctx) => {
      const prepared = await prepareVerify(ctx, {
        importId,
        by: by as VerifyStrategy,
        connection: connectionFlag,
      });
      const { plan } = prepared;
      if (repair && plan.pendingRows > 0) {
        throw new UsageError(
          `Import ${importId} still has ${plan.pendingRows} pending rows: their leads are being created, so --repair would take them for unrecorded leads. Repair once \`lead-importer status ${importId}\` shows 0 pending (or cancel the import).`,
        );
      }
      if (!json) io.stdout.write(describeVerifyPlan(plan));
      // The import's own company: another connection's credentials would look in the wrong account.
      const connection = importConnectionOf(config, importId, plan.connection, 'verify');
      connection.requireCredentials();
      const pipedrive = await openGuardedPipedrive({
        redis: ctx.redis,
        prefix: ctx.prefix,
        ...connectionSettings(connection),
      });
      try {
        // Another company's leads, listed under this import's name, would pass for missing or duplicates.
        ImportCompanyError.check(plan, pipedrive.me);
        let report: Awaited<ReturnType<typeof verifyImport>>;
        try {
          report = await verifyImport(prepared, {
            api: pipedrive.api,
            call: pipedrive.call,
            onProgress: json ? undefined : (line) => io.stderr.write(`  ${line}\n`),
          });
        } catch (err) {
          if (!isBudgetSpentError(err)) throw err;
          io.stderr.write(
            `Today's token budget is spent before the verification could finish; run it again after ${formatUtc(err.untilMs)}.\n`,
          );
          // A script reading --json gets one object either way: this one says the verification did not finish.
          if (json) {
            io.stdout.write(
              `${JSON.stringify({ importId, complete: false, budgetSpentUntil: new Date(err.untilMs).toISOString(), plan })}\n`,
            );
          }
          return ExitCode.Failure;
        }
        const repairPlan = planRepair(report, prepared);
        const toRepair = repairPlan.notes.length + repairPlan.leads.length + repairPlan.lines.length;
        if (!json) io.stdout.write(describeVerifyReport(report));
        let result: RepairSummary | undefined;
        if (repair && yes && toRepair > 0) {
          result = await repairImport(ctx, importId, repairPlan, {
            api: pipedrive.api,
            call: pipedrive.call,
            onAction: json ? undefined : (line) => io.stdout.write(`  ${line}\n`),
          });
        }
        const last = lastVerificationOf(report, result);
        await saveVerification(ctx, importId, last);
        if (json) {
          io.stdout.write(
            `${JSON.stringify({
              importId,
              leadsChecked: report.leadsChecked,
              missing: report.missing.length,
              unrecorded: report.unrecorded.length,
              duplicates: report.duplicates.length,
              duplicateNotes: report.duplicateNotes.length,
              repaired: last.repaired,
              tokensUsed: last.tokensUsed,
              strategy: report.strategy,
              plan,
              report,
              repair: { plan: repairPlan, ...(result ? { result } : {}) },
            })}\n`,
          );
        } else {
          io.stdout.write(
            describeRepair(report, repairPlan, {
              repair,
              fileName: plan.fileName,
              connection: plan.connection,
              ...(plan.readArgs !== undefined ? { readArgs: plan.readArgs } : {}),
              result,
            }),
          );
        }
        if (result && (result.failed.length > 0 || result.budgetSpentUntil)) return ExitCode.Failure;
        const repairedAll = result !== undefined;
        const remains = report.unrecorded.length + (repairedAll ? 0 : toRepair);
        return remains > 0 ? ExitCode.RowsFailed : ExitCode.Ok;
      } finally {
        await pipedrive.close();
      }
    });
  },
};
