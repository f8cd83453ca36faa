import type { DealField } from '../pipedrive/types.js';
import type { Entity } from './targets.js';

/**
 * How an option label is compared with a cell: case, accents' spacing, punctuation and `&`/`and`
 * do not matter, so HubSpot's "Logistics and Supply Chain" finds the option "Logistics & supply chain".
 */
export function optionKey(label: string): string {
  return label
    .normalize('NFKC')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** One Pipedrive field of the account, as the importer needs it. */
export interface CatalogueField {
  entity: Entity;
  /** Standard key (`job_title`) or 40-hex key of a custom field. */
  key: string;
  /** Pipedrive's name of the field (`Job title`, `Preferred language`). */
  name: string;
  type: string;
  custom: boolean;
  /** Option fields: option id by {@link optionKey} of its label. */
  options?: Map<string, number | string>;
  /** Option labels as Pipedrive writes them, for messages. */
  optionLabels?: string[];
}

/**
 * The fields of one Pipedrive company — lead fields (deal fields: leads inherit them,
 * pipedrive-api.md §4.5), person fields and organization fields — from `GET /v1/dealFields`,
 * `/v1/personFields` and `/v1/organizationFields`. An entity whose list was not loaded (offline,
 * or not needed) answers `undefined` to every question about it, so callers can tell "absent"
 * from "unknown".
 */
export class FieldCatalogue {
  private readonly byEntity = new Map<Entity, CatalogueField[]>();

  constructor(lists: Partial<Record<Entity, readonly DealField[]>>) {
    for (const [entity, fields] of Object.entries(lists) as [Entity, readonly DealField[]][]) {
      this.byEntity.set(
        entity,
        fields
          .filter((f) => f.active_flag !== false)
          .map((f) => {
            const options =
              f.options && f.options.length > 0
                ? new Map(f.options.map((o) => [optionKey(o.label), o.id] as const))
                : undefined;
            return {
              entity,
              key: f.key,
              name: f.name,
              type: f.field_type,
              custom: f.edit_flag === true,
              ...(options ? { options, optionLabels: (f.options ?? []).map((o) => o.label) } : {}),
            };
          }),
      );
    }
  }

  /** Whether the entity's fields were loaded. */
  has(entity: Entity): boolean {
    return this.byEntity.has(entity);
  }

  /** A standard field by key (`job_title`, `marketing_status`): undefined when absent or unknown. */
  standard(entity: Entity, key: string): CatalogueField | undefined {
    return this.byEntity.get(entity)?.find((f) => !f.custom && f.key === key);
  }

  /**
   * Whether a standard field exists: true or false when the entity's fields are loaded,
   * undefined when they are not (offline).
   */
  hasStandard(entity: Entity, key: string): boolean | undefined {
    if (!this.byEntity.has(entity)) return undefined;
    return this.standard(entity, key) !== undefined;
  }

  /** A custom field by Pipedrive name (case-insensitive) or by its 40-hex key. */
  custom(entity: Entity, nameOrKey: string): CatalogueField | undefined {
    const wanted = nameOrKey.trim().toLowerCase();
    const fields = this.byEntity.get(entity)?.filter((f) => f.custom) ?? [];
    return (
      fields.find((f) => f.key === nameOrKey.trim()) ??
      fields.find((f) => f.name.trim().toLowerCase() === wanted)
    );
  }

  /** Custom fields of an entity (empty when not loaded). */
  customFields(entity: Entity): CatalogueField[] {
    return this.byEntity.get(entity)?.filter((f) => f.custom) ?? [];
  }
}
