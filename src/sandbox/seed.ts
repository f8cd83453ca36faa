/**
 * The fixed company every sandbox starts with: users, lead labels and sources, currencies, and the
 * deal, person and organization field catalogues (lead custom fields are deal fields, pipedrive-api.md
 * §4.5). Ids and keys are constants so tests, docs and example mappings can name them.
 */
import type {
  Currency,
  DealField,
  LeadLabel,
  LeadSource,
  PipedriveField,
  PipedriveFieldOption,
  User,
} from '../pipedrive/types.js';

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

/** The company's users; `companyId` is what `/users/me` reports as `company_id` (the sandbox's `companyId` option). */
export function seedUsers(companyId: number = COMPANY.id): User[] {
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
    company_id: companyId,
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
    ['RUB', 'Russian Ruble', '₽', 2],
    ['INR', 'Indian Rupee', '₹', 2],
    ['CZK', 'Czech Koruna', 'Kč', 2],
    ['MXN', 'Mexican Peso', 'MX$', 2],
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

/**
 * The company's pipelines and their stages, in order (Pipedrive's default pipeline and a second one). A deal sits in
 * one stage, and its pipeline follows from the stage; without either it goes to the first stage of the first
 * pipeline (SPEC-v1/v2 `addDeal`). The sandbox serves no pipeline or stage endpoints.
 */
export const PIPELINES = [
  {
    id: 1,
    name: 'Sales pipeline',
    stages: [
      { id: 1, name: 'Qualified' },
      { id: 2, name: 'Contact made' },
      { id: 3, name: 'Demo scheduled' },
      { id: 4, name: 'Proposal made' },
      { id: 5, name: 'Negotiations started' },
    ],
  },
  {
    id: 2,
    name: 'Partners',
    stages: [
      { id: 6, name: 'Introduced' },
      { id: 7, name: 'Agreement' },
    ],
  },
] as const;

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
  options?: readonly PipedriveFieldOption[],
): PipedriveField {
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
    ...(options ? { options: options.map((o) => ({ ...o })) } : {}),
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

/** Keys of the seeded custom person fields (40-hex), one of each type an import file is likely to fill. */
export const PERSON_FIELD_KEYS = {
  linkedinProfile: 'f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4',
  preferredLanguage: 'f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5',
  interests: 'f3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6',
  lastMet: 'f4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7',
  npsScore: 'f5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708',
  assistantPhone: 'f6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819',
} as const;

/** Keys of the seeded custom organization fields (40-hex). */
export const ORGANIZATION_FIELD_KEYS = {
  vatNumber: '0a1b2c3d4e5f60718293a4b5c6d7e8f901a2b3c4',
  tier: '0b2c3d4e5f60718293a4b5c6d7e8f901a2b3c4d5',
  productsUsed: '0c3d4e5f60718293a4b5c6d7e8f901a2b3c4d5e6',
  locations: '0d4e5f60718293a4b5c6d7e8f901a2b3c4d5e6f7',
  customerSince: '0e5f60718293a4b5c6d7e8f901a2b3c4d5e6f708',
  creditLimit: '0f60718293a4b5c6d7e8f901a2b3c4d5e6f70819',
} as const;

/**
 * Options of the `label_ids` person field (Pipedrive's default contact labels). Person and organization
 * labels are separate fields with their own ids; the sandbox keeps the ranges apart so mixing them up fails.
 */
export const PERSON_LABEL_OPTIONS = [
  { id: 1, label: 'Customer', color: 'green' },
  { id: 2, label: 'Hot lead', color: 'red' },
  { id: 3, label: 'Warm lead', color: 'yellow' },
  { id: 4, label: 'Cold lead', color: 'blue' },
] as const;

/** Options of the `label_ids` organization field. */
export const ORGANIZATION_LABEL_OPTIONS = [
  { id: 5, label: 'Customer', color: 'green' },
  { id: 6, label: 'Hot lead', color: 'red' },
  { id: 7, label: 'Warm lead', color: 'yellow' },
  { id: 8, label: 'Cold lead', color: 'blue' },
] as const;

/**
 * Options of the `marketing_status` person field, present only when the company uses Campaigns. Its option
 * ids are the status strings themselves, which is what `marketing_status` takes.
 */
export const MARKETING_STATUS_OPTIONS = [
  { id: 'no_consent', label: 'No consent' },
  { id: 'unsubscribed', label: 'Unsubscribed' },
  { id: 'subscribed', label: 'Subscribed' },
  { id: 'archived', label: 'Subscribed (archived)' },
] as const;

/** Options of the standard `industry` organization field (`industry` takes the option id). */
export const INDUSTRY_OPTIONS = [
  { id: 401, label: 'Software/IT services' },
  { id: 402, label: 'Manufacturing' },
  { id: 403, label: 'Retail' },
  { id: 404, label: 'Financial services' },
  { id: 405, label: 'Healthcare' },
  { id: 406, label: 'Education' },
  { id: 407, label: 'Marketing & advertising' },
  { id: 408, label: 'Consulting' },
  { id: 409, label: 'Real estate' },
  { id: 410, label: 'Telecommunications' },
  { id: 411, label: 'Non-profit' },
  { id: 412, label: 'Government' },
  { id: 413, label: 'Other' },
  // Names other systems' taxonomies use too (Salesforce's picklist, LinkedIn's industries), so
  // exports from them can be rehearsed; a real account's list is the company's own.
  { id: 414, label: 'Technology' },
  { id: 415, label: 'Computer software' },
  { id: 416, label: 'Transportation' },
  { id: 417, label: 'Logistics & supply chain' },
  { id: 418, label: 'Media' },
  { id: 419, label: 'Media production' },
  { id: 420, label: 'Machinery' },
  { id: 421, label: 'Banking' },
  { id: 422, label: 'Insurance' },
  { id: 423, label: 'Construction' },
  { id: 424, label: 'Energy' },
  { id: 425, label: 'Hospitality' },
  { id: 426, label: 'Food & beverages' },
  { id: 427, label: 'Automotive' },
  { id: 428, label: 'Legal services' },
] as const;

export const PREFERRED_LANGUAGE_OPTIONS = [
  { id: 201, label: 'English' },
  { id: 202, label: 'German' },
  { id: 203, label: 'French' },
  { id: 204, label: 'Spanish' },
  { id: 205, label: 'Estonian' },
] as const;

export const INTEREST_OPTIONS = [
  { id: 211, label: 'Product updates' },
  { id: 212, label: 'Webinars' },
  { id: 213, label: 'Events' },
  { id: 214, label: 'Case studies' },
] as const;

export const TIER_OPTIONS = [
  { id: 301, label: 'Gold' },
  { id: 302, label: 'Silver' },
  { id: 303, label: 'Bronze' },
] as const;

export const PRODUCTS_USED_OPTIONS = [
  { id: 311, label: 'CRM' },
  { id: 312, label: 'Marketing automation' },
  { id: 313, label: 'Analytics' },
  { id: 314, label: 'Support desk' },
] as const;

/**
 * The person catalogue of `GET /v1/personFields`: standard fields with Pipedrive's keys and types
 * (`edit_flag: false`), then custom ones. `marketing_status` is listed only while the company uses
 * Campaigns (SPEC-v1 `getPersonFields`); the route drops it otherwise.
 */
export function seedPersonFields(): PipedriveField[] {
  return [
    field(1, 'name', 'Name', 'varchar', false),
    field(2, 'first_name', 'First name', 'varchar', false),
    field(3, 'last_name', 'Last name', 'varchar', false),
    field(4, 'label_ids', 'Labels', 'set', false, PERSON_LABEL_OPTIONS),
    field(5, 'org_id', 'Organization', 'org', false),
    field(6, 'owner_id', 'Owner', 'user', false),
    field(7, 'email', 'Email', 'varchar', false),
    field(8, 'phone', 'Phone', 'phone', false),
    field(9, 'job_title', 'Job title', 'varchar', false),
    field(10, 'postal_address', 'Postal address', 'address', false),
    field(11, 'birthday', 'Birthday', 'date', false),
    field(12, 'notes', 'Notes', 'text', false),
    field(13, 'marketing_status', 'Marketing status', 'enum', false, MARKETING_STATUS_OPTIONS),
    field(14, 'visible_to', 'Visible to', 'visible_to', false),
    field(15, 'add_time', 'Person created', 'date', false),
    field(16, 'update_time', 'Update time', 'date', false),
    field(50, PERSON_FIELD_KEYS.linkedinProfile, 'LinkedIn profile', 'varchar', true),
    field(
      51,
      PERSON_FIELD_KEYS.preferredLanguage,
      'Preferred language',
      'enum',
      true,
      PREFERRED_LANGUAGE_OPTIONS,
    ),
    field(52, PERSON_FIELD_KEYS.interests, 'Interests', 'set', true, INTEREST_OPTIONS),
    field(53, PERSON_FIELD_KEYS.lastMet, 'Last met', 'date', true),
    field(54, PERSON_FIELD_KEYS.npsScore, 'NPS score', 'double', true),
    field(55, PERSON_FIELD_KEYS.assistantPhone, 'Assistant phone', 'phone', true),
  ];
}

/**
 * The organization catalogue of `GET /v1/organizationFields`. `employee_count` is typed `int` and
 * `annual_revenue` `double`: v2 takes both as plain numbers (SDK-33 `add-organization-request.d.ts`); how
 * Pipedrive types them in the catalogue is not documented (**assumed**).
 */
export function seedOrganizationFields(): PipedriveField[] {
  return [
    field(1, 'name', 'Name', 'varchar', false),
    field(2, 'label_ids', 'Labels', 'set', false, ORGANIZATION_LABEL_OPTIONS),
    field(3, 'owner_id', 'Owner', 'user', false),
    field(4, 'address', 'Address', 'address', false),
    field(5, 'website', 'Website', 'varchar', false),
    field(6, 'linkedin', 'LinkedIn profile', 'varchar', false),
    field(7, 'industry', 'Industry', 'enum', false, INDUSTRY_OPTIONS),
    field(8, 'employee_count', 'Number of employees', 'int', false),
    field(9, 'annual_revenue', 'Annual revenue', 'double', false),
    field(10, 'visible_to', 'Visible to', 'visible_to', false),
    field(11, 'add_time', 'Organization created', 'date', false),
    field(12, 'update_time', 'Update time', 'date', false),
    field(60, ORGANIZATION_FIELD_KEYS.vatNumber, 'VAT number', 'varchar', true),
    field(61, ORGANIZATION_FIELD_KEYS.tier, 'Tier', 'enum', true, TIER_OPTIONS),
    field(62, ORGANIZATION_FIELD_KEYS.productsUsed, 'Products used', 'set', true, PRODUCTS_USED_OPTIONS),
    field(63, ORGANIZATION_FIELD_KEYS.locations, 'Number of locations', 'double', true),
    field(64, ORGANIZATION_FIELD_KEYS.customerSince, 'Customer since', 'date', true),
    field(65, ORGANIZATION_FIELD_KEYS.creditLimit, 'Credit limit', 'monetary', true),
  ];
}
