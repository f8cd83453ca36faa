import { ConfigError, type ConnectionConfig, DEFAULT_CONNECTION } from '../config/config.js';
import { connectionSettings, type GuardedPipedrive, openGuardedPipedrive } from '../ops/guarded-pipedrive.js';
import { PipedriveClient } from '../pipedrive/client.js';
import { clientOptionsForConnection } from '../pipedrive/client-options-from-config.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import { matchColumns } from './column-matcher.js';
import type { CsvFile } from './csv-reader.js';
import { MappingError } from './errors.js';
import type { ImportCsvOptions } from './import-csv.js';
import {
  assertDistinctHeader,
  assertNamesContact,
  catalogueOf,
  type ReferenceData,
  type ReferenceNeeds,
  type ResolvedMapping,
  referenceNeeds,
  resolveMapping,
} from './mapping.js';
import type { MappingSpec } from './mapping-spec.js';
import type { DateOrder, DecimalMark } from './normalise.js';
import { loadReferenceData, referenceDataCost } from './reference-data.js';

/** Rows the column reading looks at (a bare `Title`'s values, the file's date format). */
const SAMPLE_ROWS = 50;

export interface MapFileOptions
  extends Pick<
    ImportCsvOptions,
    'config' | 'pipedrive' | 'offline' | 'currency' | 'titleTemplate' | 'redis' | 'dryRun'
  > {
  displayName: string;
  mappingName: string;
  /** The company whose users, labels and fields the mapping is bound to. */
  connection: ConnectionConfig;
  dateOrder?: DateOrder;
  /** The file's decimal separator (`--decimal`), instead of inferring it from the amounts. */
  decimalMark?: DecimalMark;
}

export interface MappedFile {
  mapping: ResolvedMapping;
  /** Tokens spent reading the account's reference data (0 offline). */
  referenceTokens: number;
  /** The company (`users/me`'s `company_id`) the reads went to, when the reads took the workers' path. */
  companyId?: number;
}

/**
 * How a file's columns become Pipedrive fields, in the stages a person would go through: the
 * header (found by `openCsv`, past any notes before it) is read against the conventions of the
 * system it comes from; the account's fields are read where that reading needs them (custom
 * fields by name, option labels, users, currencies), and the columns matched again with them;
 * the result is bound to the account, every mapping problem raised here, once.
 */
export async function mapFile(csv: CsvFile, spec: MappingSpec, options: MapFileOptions): Promise<MappedFile> {
  const { displayName, mappingName, connection } = options;
  const headerSource = `${displayName}:${csv.headerLine}`;
  const sample = await csv.sampleRows(SAMPLE_ROWS);
  const matchOptions = { header: csv.header, spec, sample, mappingName };
  let plan = matchColumns(matchOptions);
  assertDistinctHeader(csv.header, displayName, csv.headerLine, plan);
  assertNamesContact(plan, csv.header, headerSource);

  const needs = referenceNeeds(plan, spec, options.currency);
  let reference: ReferenceData | undefined;
  let referenceTokens = 0;
  let companyId: number | undefined;
  if (!options.offline) {
    ({ reference, tokens: referenceTokens, companyId } = await loadReference(options, needs));
    const catalogue = catalogueOf(reference);
    // Matched again with the account's fields: columns named like its custom fields find them.
    if (plan.wantsCatalogue && catalogue) {
      plan = matchColumns({ ...matchOptions, catalogue });
      assertDistinctHeader(csv.header, displayName, csv.headerLine, plan);
    }
  }
  const mapping = resolveMapping(spec, csv.header, plan, reference, {
    mappingName,
    sample,
    headerSource,
    groupsPlan: connection.plan === 'premium' || connection.plan === 'ultimate',
    ...(options.titleTemplate !== undefined ? { titleTemplate: options.titleTemplate } : {}),
    ...(options.dateOrder ? { dateOrder: options.dateOrder } : {}),
    ...(options.decimalMark ? { decimalMark: options.decimalMark } : {}),
    ...(options.currency !== undefined ? { currency: options.currency } : {}),
  });
  return { mapping, referenceTokens, ...(companyId !== undefined ? { companyId } : {}) };
}

const READ_NAMES: Record<Exclude<keyof ReferenceNeeds, 'catalogueOptional'>, string> = {
  currentUser: "your user's default currency (for amounts without one)",
  users: 'its users (for owners)',
  labels: 'its lead labels',
  currencies: 'its currencies (for the amounts)',
  dealFields: 'its lead and deal fields',
  personFields: 'its person fields',
  organizationFields: 'its organization fields',
};

/** What the reads `wanted` fetch, in words: "its currencies (for the amounts) and its person fields". */
function wantedReads(wanted: Omit<ReferenceNeeds, 'catalogueOptional'>): string {
  const names = (Object.keys(READ_NAMES) as (keyof typeof READ_NAMES)[])
    .filter((k) => wanted[k])
    .map((k) => READ_NAMES[k]);
  return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The reference data, and the tokens its reads cost. */
async function loadReference(
  options: MapFileOptions,
  needs: ReferenceNeeds,
): Promise<{ reference: ReferenceData; tokens: number; companyId?: number }> {
  const { catalogueOptional, ...wanted } = needs;
  const nothing = { reference: {}, tokens: 0 };
  if (!Object.values(wanted).some(Boolean)) return nothing;
  const { connection } = options;
  // Without credentials, lists wanted only to match custom fields by name are skipped.
  if (!options.pipedrive) {
    if (catalogueOptional && !connection.hasCredentials) return nothing;
    if (options.dryRun && !connection.hasCredentials) {
      // A dry run on a laptop: say what this file's mapping wanted from Pipedrive, and how to check it without.
      try {
        connection.requireCredentials();
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new ConfigError(
          `${err.message} The dry run reads ${wantedReads(wanted)} from Pipedrive for this file's mapping; to check the file without Pipedrive, add --offline (those names then stay unresolved).`,
        );
      }
    }
    connection.requireCredentials();
  }
  let guarded: GuardedPipedrive | undefined;
  let own: PipedriveClient | undefined;
  try {
    const tokens = referenceDataCost(needs);
    if (options.pipedrive) return { reference: await loadReferenceData(options.pipedrive, needs), tokens };
    if (!options.redis) {
      // A dry run touches no Redis: its reads go outside the workers' windows (and their budget).
      own = new PipedriveClient(clientOptionsForConnection(connection));
      return { reference: await loadReferenceData(own, needs), tokens };
    }
    // An import's reads take the workers' admission, as an operator command's calls do: they wait for room in
    // the token's windows in Redis and are charged to the company's budget. A spent budget lets them into the
    // reserve (`useReserve`): a handful of reads, REFERENCE_DATA_MAX_TOKENS (112) at most, one page each, and an import only
    // enqueues (its rows wait for the budget in the workers), so a spent day must not keep them out of the queue.
    guarded = await openGuardedPipedrive({
      redis: options.redis,
      prefix: options.config.redisPrefix,
      ...connectionSettings(connection),
      useReserve: true,
    });
    const reference = await loadReferenceData(guarded.api, needs, guarded.call, { currentUser: guarded.me });
    // `users/me` named the budget whether the mapping wanted the user or not, and names the import's company.
    return {
      reference,
      tokens: tokens + (needs.currentUser ? 0 : TOKEN_COSTS['users.me']),
      companyId: guarded.me.company_id,
    };
  } catch (err) {
    const what = Object.entries(wanted)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .join(', ');
    const check =
      connection.name === DEFAULT_CONNECTION && !options.config.connectionsFile
        ? 'PIPEDRIVE_BASE_URL and PIPEDRIVE_API_TOKEN'
        : `base_url and the credentials of connection "${connection.name}" (${connection.definedIn})`;
    throw new MappingError(
      `Cannot read ${what} from Pipedrive at ${connection.baseUrl}: ${(err as Error).message}. Check ${check}, or try the mapping with --dry-run --offline.`,
    );
  } finally {
    own?.close();
    await guarded?.close();
  }
}
