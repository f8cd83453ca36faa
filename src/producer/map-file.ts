import { type ConnectionConfig, DEFAULT_CONNECTION } from '../config/config.js';
import { PipedriveClient } from '../pipedrive/client.js';
import { clientOptionsForConnection } from '../pipedrive/client-options-from-config.js';
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
import type { DateOrder } from './normalise.js';
import { loadReferenceData, referenceDataCost } from './reference-data.js';

/** Rows the column reading looks at (a bare `Title`'s values, the file's date format). */
const SAMPLE_ROWS = 50;

export interface MapFileOptions
  extends Pick<ImportCsvOptions, 'config' | 'pipedrive' | 'offline' | 'currency' | 'titleTemplate'> {
  displayName: string;
  mappingName: string;
  /** The company whose users, labels and fields the mapping is bound to. */
  connection: ConnectionConfig;
  dateOrder?: DateOrder;
}

export interface MappedFile {
  mapping: ResolvedMapping;
  /** Tokens spent reading the account's reference data (0 offline). */
  referenceTokens: number;
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
  assertDistinctHeader(csv.header, displayName, csv.headerLine);
  const sample = await csv.sampleRows(SAMPLE_ROWS);
  const matchOptions = { header: csv.header, spec, sample, mappingName };
  let plan = matchColumns(matchOptions);
  assertNamesContact(plan, csv.header, headerSource);

  const needs = referenceNeeds(plan, spec, options.currency);
  let reference: ReferenceData | undefined;
  let referenceTokens = 0;
  if (!options.offline) {
    reference = await loadReference(options, needs);
    referenceTokens = referenceDataCost(needs);
    const catalogue = catalogueOf(reference);
    // Matched again with the account's fields: columns named like its custom fields find them.
    if (plan.wantsCatalogue && catalogue) plan = matchColumns({ ...matchOptions, catalogue });
  }
  const mapping = resolveMapping(spec, csv.header, plan, reference, {
    mappingName,
    sample,
    headerSource,
    groupsPlan: connection.plan === 'premium' || connection.plan === 'ultimate',
    ...(options.titleTemplate !== undefined ? { titleTemplate: options.titleTemplate } : {}),
    ...(options.dateOrder ? { dateOrder: options.dateOrder } : {}),
    ...(options.currency !== undefined ? { currency: options.currency } : {}),
  });
  return { mapping, referenceTokens };
}

async function loadReference(options: MapFileOptions, needs: ReferenceNeeds): Promise<ReferenceData> {
  const { catalogueOptional, ...wanted } = needs;
  if (!Object.values(wanted).some(Boolean)) return {};
  const { connection } = options;
  let api = options.pipedrive;
  let own: PipedriveClient | undefined;
  if (!api) {
    // Without credentials, lists wanted only to match custom fields by name are skipped.
    if (catalogueOptional && !connection.hasCredentials) return {};
    connection.requireCredentials();
    own = new PipedriveClient(clientOptionsForConnection(connection));
    api = own;
  }
  try {
    return await loadReferenceData(api, needs);
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
  }
}
