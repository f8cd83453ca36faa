import type { Command } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { importConnectionOf, loadConfig } from '../config/config.js';
import { formatCount, formatUtc, printable } from '../ops/format.js';
import { connectionSettings, openGuardedPipedrive } from '../ops/guarded-pipedrive.js';
import { ImportCompanyError } from '../ops/import-company-error.js';
import { withOps } from '../ops/ops-context.js';
import { describeKept, describeKeptNotes, describePlan, planRevert, revertImport } from '../ops/revert.js';

export const command: Command = {
  name: 'revert',
  summary: 'delete what an import created',
  help: `Usage: lead-importer revert ID [--include-contacts] [--yes] [--json] [--connection NAME]

Deletes the leads import ID created, in the Pipedrive company it went to (its connection's
URL and credentials), then their notes: a note only once revert deleted its lead, and only
while it is still on that lead (read first, 2 tokens). So a note stays, and is counted, when its
lead was gone before (converted into a deal, which holds the note now, or deleted by hand), or
when someone moved it. With --include-contacts, also the persons and organizations it created —
never ones it found in Pipedrive and reused, nor ones something made since uses: a deal (open,
won or lost, including one a lead was converted into), a lead (another import's), or a person
in an organization. It reads that first (10 tokens per 100 contacts for deals, then 20 per
contact for leads and 10 per organization for persons), keeps what is in use, and says why.
Archived leads are not read. Calls go through the workers' rate limiter and that company's
daily budget. Without --yes it only prints what it would delete and what that costs at most
(the GET /users/me that checks the credentials first included), and deletes nothing. Safe to
run again: it resumes where it stopped, even after a crash between a delete and its record.
A lead already gone when revert came (converted into a deal, or deleted by hand) is not counted
as deleted: the output, status and report say so apart.
Credentials that now belong to another company than the import went to are refused (exit 2):
person, organization and note ids are numbers every company has.

Options:
  --include-contacts        also delete persons and organizations this import created
  --yes                     really delete
  --json                    print the plan (and the result) as JSON
  --connection NAME         refuse unless the import went to this connection
  --budget-reserve F        as the workers run it (default: the connection's budget_reserve,
                            PIPEDRIVE_BUDGET_RESERVE or 0.1)
  --budget-reset-utc HH:MM  as the workers run it (default: the connection's budget_reset_utc,
                            PIPEDRIVE_BUDGET_RESET_UTC or 00:00)

Examples:
  lead-importer revert leads-3f2a9c --include-contacts
  lead-importer revert leads-3f2a9c --include-contacts --yes`,
  options: {
    'include-contacts': { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
    connection: { type: 'string' },
    'budget-reserve': { type: 'string' },
    'budget-reset-utc': { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const config = loadConfig(io.env);
    const importId = args.positionals[0]!;
    const includeContacts = args.values['include-contacts'] === true;
    const reserveRaw = args.values['budget-reserve'];
    const reserveFlag = reserveRaw === undefined ? undefined : Number(reserveRaw);
    if (reserveFlag !== undefined && !(reserveFlag >= 0 && reserveFlag < 1)) {
      throw new UsageError(
        `--budget-reserve must be a fraction from 0 to 0.95, got "${String(reserveRaw)}".`,
      );
    }
    const resetFlag =
      typeof args.values['budget-reset-utc'] === 'string' ? args.values['budget-reset-utc'] : undefined;
    const connectionFlag = typeof args.values.connection === 'string' ? args.values.connection : undefined;
    return withOps(config, async (ctx) => {
      const plan = await planRevert(ctx, { importId, includeContacts, connection: connectionFlag });
      // The import's own company: deleting with another connection's credentials would hit the wrong account. A
      // plan is refused as the deletion would be, so it never promises what --yes then refuses.
      const connection = importConnectionOf(config, importId, plan.connection, 'revert');
      if (!args.values.yes) {
        io.stdout.write(
          args.values.json ? `${JSON.stringify({ plan })}\n` : describePlan(plan, includeContacts),
        );
        return ExitCode.Ok;
      }
      connection.requireCredentials();
      const pipedrive = await openGuardedPipedrive({
        redis: ctx.redis,
        prefix: ctx.prefix,
        ...connectionSettings(connection),
        budgetReserve: reserveFlag ?? connection.budgetReserve,
        budgetResetUtc: resetFlag ?? connection.budgetResetUtc,
      });
      try {
        // The same connection name may now carry another company's credentials: never act on that company.
        ImportCompanyError.check(plan, pipedrive.me);
        const result = await revertImport(
          ctx,
          { importId, includeContacts, api: pipedrive.api, call: pipedrive.call },
          plan,
        );
        if (args.values.json) {
          io.stdout.write(`${JSON.stringify({ plan, result })}\n`);
        } else {
          const d = result.deleted;
          io.stdout.write(
            `Deleted ${formatCount(d.leads)} leads${d.notes ? ` (and ${formatCount(d.notes)} notes)` : ''}${includeContacts ? `, ${formatCount(d.persons)} persons and ${formatCount(d.organizations)} organizations` : ''} of import ${importId}${result.alreadyGone ? ` (${formatCount(result.alreadyGone)} were already gone)` : ''}.\n`,
          );
          // Not deleted by revert: say so, rather than count them as reverted (a converted lead is a live deal).
          if (result.leadsGoneBefore) {
            io.stdout.write(
              `${formatCount(result.leadsGoneBefore)} of its leads ${result.leadsGoneBefore === 1 ? 'was' : 'were'} gone before revert came (converted into a deal, or deleted by hand): not deleted by revert.\n`,
            );
          }
          for (const f of result.failed.slice(0, 20))
            io.stderr.write(`Could not delete ${f.kind} ${f.id}: ${printable(f.error)}\n`);
          io.stdout.write(describeKeptNotes(result.notesKept));
          io.stdout.write(describeKept(result));
          if (result.contactsSkipped)
            io.stderr.write('Persons and organizations were kept because some leads remain.\n');
          if (result.budgetSpentUntil) {
            io.stderr.write(
              `Today's token budget is spent; run the same command again after ${formatUtc(result.budgetSpentUntil)}.\n`,
            );
          }
        }
        return result.failed.length > 0 || result.budgetSpentUntil ? ExitCode.Failure : ExitCode.Ok;
      } finally {
        await pipedrive.close();
      }
    });
  },
};
