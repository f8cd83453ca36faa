import { ConfigError } from '../config/config-error.js';

/** An import waiting on a connection's queue, recorded as going to another Pipedrive company. */
export interface ForeignImport {
  importId: string;
  fileName: string;
  /** The company the import's record says its rows go to. */
  companyId: number;
  pending: number;
}

/**
 * A connection's credentials now belong to another Pipedrive company than the one imports waiting on its queue went
 * to (its entry was edited to another company's base URL or token, or the client moved to a new account). Rather than
 * dead-letter every waiting row as it comes up (each would be refused anyway: `ImportCompanyMismatchError`), the
 * connection does not start: its rows wait, nothing is sent, nothing is dead-lettered, and the message says what to do
 * either way. The message names imports, files and company ids, never a credential.
 */
export class ImportsOfAnotherCompanyError extends ConfigError {
  override name = 'ImportsOfAnotherCompanyError';

  constructor(
    readonly connection: string,
    readonly companyId: number,
    readonly imports: readonly ForeignImport[],
    connectionsFile: string | undefined,
  ) {
    const shown = imports
      .slice(0, 5)
      .map(
        (i) =>
          `${i.importId} (${i.fileName || 'unknown file'}, ${i.pending} pending) went to company ${i.companyId}`,
      )
      .join(', ');
    const more = imports.length > 5 ? ` and ${imports.length - 5} more` : '';
    const cancel =
      imports.length === 1 ? `lead-importer cancel ${imports[0]!.importId}` : 'lead-importer cancel ID';
    super(
      `Connection "${connection}": its credentials belong to Pipedrive company ${companyId}, but import${imports.length === 1 ? '' : 's'} ${shown}${more}. Nothing was sent and nothing dead-lettered: the rows wait on its queue. If its entry in ${connectionsFile ?? 'the connections file'} is wrong (another company's base_url or token), fix it and send the worker SIGHUP; if ${connection} is meant to go to company ${companyId} now, drop those rows first (${cancel}), then send SIGHUP`,
    );
  }
}
