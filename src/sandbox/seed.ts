/**
 * The fixed company every sandbox starts with: users, lead labels and sources, currencies and deal
 * fields (lead custom fields are deal fields, pipedrive-api.md §4.5). Ids and keys are constants so
 * tests, docs and example mappings can name them.
 */
import type { Currency, DealField, LeadLabel, LeadSource, User } from '../pipedrive/types.js';

export const COMPANY = {
  id: 7_654_321,
  name: 'Sandbox Company',
  domain: 'sandbox',
  country: 'EE',
} as const;

const SEED_TIME = '2024-01-15T09:00:00.000Z';
const SEED_TIME_V1 = '2024-01-15 09:00:00';

interface SeedUser {
  id: number;
  name: string;
  email: string;
  active: boolean;
  admin: boolean;
}

const SEED_USERS: readonly SeedUser[] = [
  { id: 1, name: 'Sandy Admin', email: 'admin@sandbox.example', active: true, admin: true },
  { id: 2, name: 'Olivia Owner', email: 'olivia@sandbox.example', active: true, admin: false },
  { id: 3, name: 'Marcus Seller', email: 'marcus@sandbox.example', active: true, admin: false },
  { id: 4, name: 'Priya Patel', email: 'priya@sandbox.example', active: true, admin: false },
  // Active at first; the demo deactivates her mid-import (`deactivateUser`) to show Pipedrive refusing rows.
  { id: 6, name: 'Dana Departing', email: 'dana@sandbox.example', active: true, admin: false },
  // Deactivated users exist in real companies; leads cannot be assigned to them.
  { id: 5, name: 'Former Employee', email: 'former@sandbox.example', active: false, admin: false },
];

/** The authenticated user (`GET /v1/users/me`). */
export const ME_USER_ID = 1;

export function seedUsers(): User[] {
  return SEED_USERS.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    default_currency: 'EUR',
    locale: 'en_US',
    lang: 1,
    phone: null,
    activated: u.active,
    last_login: SEED_TIME_V1,
    created: SEED_TIME_V1,
    modified: SEED_TIME_V1,
    has_created_company: u.id === ME_USER_ID,
    access: [{ app: 'sales', admin: u.admin, permission_set_id: '62cc4d7f-4038-4352-abf3-a8c1c822b631' }],
    active_flag: u.active,
    timezone_name: 'Europe/Tallinn',
    timezone_offset: '+02:00',
    role_id: 1,
    icon_url: null,
    is_you: u.id === ME_USER_ID,
    is_deleted: false,
    is_admin: u.admin ? 1 : 0,
    company_id: COMPANY.id,
    company_name: COMPANY.name,
    company_domain: COMPANY.domain,
    company_country: COMPANY.country,
    company_industry: 'Software',
    language: { language_code: 'en', country_code: 'US' },
  }));
}

export const LEAD_LABEL_IDS = {
  hot: 'f08b42a0-4e75-11ea-9643-03698ef1cfd6',
  warm: 'f08b42a1-4e75-11ea-9643-03698ef1cfd6',
  cold: 'f08b42a2-4e75-11ea-9643-03698ef1cfd6',
} as const;

export function seedLeadLabels(): LeadLabel[] {
  return [
    { id: LEAD_LABEL_IDS.hot, name: 'Hot', color: 'red', add_time: SEED_TIME, update_time: SEED_TIME },
    { id: LEAD_LABEL_IDS.warm, name: 'Warm', color: 'yellow', add_time: SEED_TIME, update_time: SEED_TIME },
    { id: LEAD_LABEL_IDS.cold, name: 'Cold', color: 'blue', add_time: SEED_TIME, update_time: SEED_TIME },
  ];
}

export function seedLeadSources(): LeadSource[] {
  return [
    'Manually created',
    'Deal',
    'Web forms',
    'Prospector',
    'Leadbooster',
    'Live chat',
    'Import',
    'Website visitors',
    'Workflow automation',
    'API',
  ].map((name) => ({ name }));
}

export function seedCurrencies(): Currency[] {
  const rows: [string, string, string, number][] = [
    ['EUR', 'Euro', '€', 2],
    ['USD', 'US Dollar', '$', 2],
    ['GBP', 'British Pound', '£', 2],
    ['SEK', 'Swedish Krona', 'kr', 2],
    ['NOK', 'Norwegian Krone', 'kr', 2],
    ['DKK', 'Danish Krone', 'kr', 2],
    ['CHF', 'Swiss Franc', 'CHF', 2],
    ['PLN', 'Polish Zloty', 'zł', 2],
    ['CAD', 'Canadian Dollar', 'CA$', 2],
    ['AUD', 'Australian Dollar', 'A$', 2],
    ['JPY', 'Japanese Yen', '¥', 0],
    ['BRL', 'Brazilian Real', 'R$', 2],
  ];
  return rows.map(([code, name, symbol, decimals], i) => ({
    id: i + 1,
    code,
    name,
    decimal_points: decimals,
    symbol,
    active_flag: true,
    is_custom_flag: false,
  }));
}

/** Keys of the seeded custom deal fields (40-hex, as Pipedrive generates them). */
export const CUSTOM_FIELD_KEYS = {
  leadScore: 'a1f3c9e27b4d5086e1f2a3b4c5d6e7f809112233',
  segment: 'b2e4d0f38c5e6197f2a3b4c5d6e7f8091a223344',
  website: 'c3f5e1a49d6f72a803b4c5d6e7f8091a2b334455',
  followUpDate: 'd4a6f2b50e7083b914c5d6e7f8091a2b3c445566',
  budget: 'e5b7a3c61f8194ca25d6e7f8091a2b3c4d556677',
} as const;

/** Marketing channels: the options of the `channel` deal field (valid `channel` values of a lead). */
export const CHANNEL_OPTIONS = [
  { id: 1, label: 'Organic search' },
  { id: 2, label: 'Paid search' },
  { id: 3, label: 'Social media' },
  { id: 4, label: 'Email marketing' },
  { id: 5, label: 'Referral' },
  { id: 6, label: 'Events' },
] as const;

export const SEGMENT_OPTIONS = [
  { id: 101, label: 'SMB' },
  { id: 102, label: 'Mid-market' },
  { id: 103, label: 'Enterprise' },
] as const;

function field(
  id: number,
  key: string,
  name: string,
  fieldType: string,
  custom: boolean,
  options?: readonly { id: number; label: string }[],
): DealField {
  return {
    id,
    key,
    name,
    order_nr: id,
    field_type: fieldType,
    json_column_flag: custom,
    add_time: SEED_TIME_V1,
    update_time: SEED_TIME_V1,
    last_updated_by_user_id: ME_USER_ID,
    created_by_user_id: ME_USER_ID,
    active_flag: true,
    edit_flag: custom,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: true,
    important_flag: false,
    bulk_edit_allowed: true,
    searchable_flag: custom,
    filtering_allowed: true,
    sortable_flag: true,
    mandatory_flag: false,
    ...(options ? { options: options.map((o) => ({ id: o.id, label: o.label })) } : {}),
  };
}

export function seedDealFields(): DealField[] {
  return [
    field(1, 'title', 'Title', 'varchar', false),
    field(2, 'value', 'Value', 'monetary', false),
    field(3, 'currency', 'Currency', 'varchar', false),
    field(4, 'user_id', 'Owner', 'user', false),
    field(5, 'person_id', 'Contact person', 'people', false),
    field(6, 'org_id', 'Organization', 'org', false),
    field(7, 'expected_close_date', 'Expected close date', 'date', false),
    field(8, 'label', 'Label', 'set', false),
    field(9, 'channel', 'Source channel', 'enum', false, CHANNEL_OPTIONS),
    field(10, 'channel_id', 'Source channel ID', 'varchar', false),
    field(11, 'origin_id', 'Source origin ID', 'varchar', false),
    field(12, 'add_time', 'Deal created', 'date', false),
    field(13, 'update_time', 'Update time', 'date', false),
    field(40, CUSTOM_FIELD_KEYS.leadScore, 'Lead score', 'double', true),
    field(41, CUSTOM_FIELD_KEYS.segment, 'Segment', 'enum', true, SEGMENT_OPTIONS),
    field(42, CUSTOM_FIELD_KEYS.website, 'Website', 'varchar', true),
    field(43, CUSTOM_FIELD_KEYS.followUpDate, 'Follow-up date', 'date', true),
    field(44, CUSTOM_FIELD_KEYS.budget, 'Budget', 'monetary', true),
  ];
}
