import { contactLabelOf } from './targets.js';

/**
 * How real systems name their export columns, as data: which header means which Pipedrive field.
 * The column matcher (column-matcher.ts) reads these tables; the only code in them reads a header's pattern.
 *
 * Each entry's value is a target in the text form of targets.ts (`person.email:home`,
 * `organization.address.city`), `ignore: <why>`, which the dry run prints for the column, or `note(<label>): <why>`:
 * no field takes it, so each value is kept in the lead's note after the label ({@link PERSON_LINKEDIN}).
 * Headers compare as {@link normaliseHeaderName} leaves them (`Company / Account` = `companyaccount`).
 * Sources for each table are in test/fixtures/real-exports/README.md.
 */

/** Header names compare case-, accent-spacing- and punctuation-insensitively: `E-mail ` = `email`. */
export function normaliseHeaderName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * What a table or a group of columns that holds companies is called (FileMaker's `Companies::Website`, a two-line
 * header's `Company` over `Name`, `Website`): its fields are the company's.
 */
export const COMPANY_WORD =
  /^(?:compan(?:y|ies)|organi[sz]ations?|accounts?|firm(?:a|en)|unternehmen|soci[ée]t[ée]s?|entreprises?|empresas?)$/i;
/** A field's name that says already that it is the company's (`Company Name`, `Account Website`). */
const STARTS_WITH_COMPANY = /^(?:company|organi[sz]ation|account)\b/i;

/** A field of a company's table or group named as the company's: `Website` is `Company Website`; `Company Name` stays. */
export function companysFieldName(field: string): string {
  return STARTS_WITH_COMPANY.test(field) ? field : `Company ${field}`;
}

/**
 * What makes two headers one name, so that neither can be told from the other by it: the same once normalised
 * (`Email`, `e-mail`), with the same `+` and `-` signs their words end with (`A- Emails` is not `A Emails`: a grade,
 * RocketReach's, not punctuation).
 */
export function sameNameKey(header: string): string {
  return `${normaliseHeaderName(header)}${gradeSigns(header)}`;
}

/**
 * The `+` and `-` signs a header's words end with (`A- Emails`, `Age 18+`): a grade or a bound, not punctuation, so
 * `A Emails` and `A- Emails` are two columns (RocketReach's grades), where `E-mail` is `Email`.
 */
function gradeSigns(header: string): string {
  return (header.match(/(?<=[\p{L}\p{N}])[+-]+(?=\s|$)/gu) ?? []).join(' ');
}

/** A header that asks a question (`What is your budget?`, Typeform's `<strong>Budget?</strong>`, `¿Presupuesto?`). */
export function asksQuestion(header: string): boolean {
  return /[?？]$/.test(withoutTags(header));
}

/**
 * A header without the formatting tags a form tool writes into it (Typeform: `<strong>Budget?</strong>`), trimmed.
 * Each tag ends at the next `<` at the latest, so a header of a million `<` takes one pass.
 */
export function withoutTags(header: string): string {
  return (header.includes('<') ? header.replace(/<[^<>]*>/g, '') : header).trim();
}

/**
 * What a column means: a target in text form, `ignore: why` or `note(label): why`. A label column is named after `@`.
 */
export type Meaning = string;

/**
 * A person's LinkedIn profile: Pipedrive persons have no field for it, and a salesperson calling the lead wants it,
 * so each row's profile goes into the lead's note as `LinkedIn: https://www.linkedin.com/in/…`, whatever the column's
 * name (LinkedIn's own export calls it `URL`).
 */
export const PERSON_LINKEDIN: Meaning =
  'note(LinkedIn): Pipedrive persons have no LinkedIn field (map it to a custom person field to have it as a field)';

/**
 * A free-text location (`Greater Stockholm Metropolitan Area`, `Lyon, France`), as LinkedIn, its scrapers and lead
 * lists write a person's: not an address Pipedrive could place, but what the caller wants to see (a time zone, a
 * language), so it is kept in the lead's note as `Location: …`.
 */
export const PERSON_LOCATION: Meaning =
  'note(Location): a free-text location (a city or an area), not an address (map it to person: { postal_address: … } when it holds addresses)';

/** A LinkedIn headline (`Head of Sales at Ångström AB | Nordic SaaS`): no field takes it, the caller reads it first. */
export const PERSON_HEADLINE: Meaning =
  "note(Headline): the person's LinkedIn headline: Pipedrive persons have no such field";

/**
 * A flag that the person asked not to be called, or contacted at all (Salesforce's `DoNotCall`, Salesloft's `Do Not
 * Contact`): Pipedrive has no such field. Where it is set, the lead's note says so for whoever calls, and the summary
 * counts the rows; where it is not (`false`, empty), nothing.
 */
export const DO_NOT_CALL: Meaning =
  'flag(Do not call): the person asked not to be called: Pipedrive has no such field';
export const DO_NOT_CONTACT: Meaning =
  'flag(Do not contact): the person asked not to be contacted: Pipedrive has no such field (its marketing status is for email campaigns)';

/** The personal opening line a cold-email campaign wrote for the lead: kept in the lead's note under its column's name. */
export const PERSONAL_OPENING_LINE: Meaning =
  "note(Personalization): the campaign's personal opening line for the lead: no field takes it";

export interface SourceSystem {
  id: string;
  /** As the dry run names it: `Salesforce report`. */
  name: string;
  /** Normalised headers typical of this system and how strongly each points to it. */
  fingerprint: Record<string, number>;
  /** Score the header must reach (sum of matched fingerprint weights) to be read as this system's. */
  minScore: number;
  /** Header as the system writes it → meaning. When two columns claim one field, the earlier entry wins. */
  columns: Record<string, Meaning>;
  /** Numbered columns (`E-mail 2 - Value`): a pattern over the normalised header. */
  patterns?: readonly ColumnPattern[];
  /**
   * Headers the system writes more than once, each time for another field: their meanings in the order the columns
   * come (French Outlook's two `Titre`). A file with only one such column reads it by its values, as a bare `Title`.
   */
  repeated?: Record<string, readonly Meaning[]>;
  /**
   * Set when the system writes a row per occurrence, not per person (a webinar viewer who rejoined, a ticket
   * bought for someone whose details were not asked): why a person's later rows repeat the first. The importer
   * makes one lead per email, from its first row, and rejects the later ones naming it.
   */
  repeatsPerson?: string;
  /**
   * The column (as the system writes it) where the system says whether each row's address works, when its name says
   * nothing of email (Dropcontact's `qualification`): not imported, but a row whose address it calls bad is said.
   */
  emailStatus?: string;
  /**
   * What the system writes in its email status column of an address that does not work, when it is not a word the
   * importer knows (Instantly's `-1`), and what that means.
   */
  invalidEmailStatus?: { values: readonly string[]; meaning: string };
  /**
   * A column of the system's own, apart from its email status, whose value says the address bounced (Instantly's lead
   * `status`, `-1`): the row is imported as given and said, as one whose email status calls its address invalid.
   */
  bouncedStatus?: { column: string; values: readonly string[]; meaning: string };
  /**
   * Words of the system's own in the column it reads as the marketing status (compared as letters only, in any case)
   * and the status each means. Only in this system's file: the same word in another file's status column (a billing
   * export's `Subscription Status` `active`) says nothing of consent to emails.
   */
  marketingStatuses?: Record<string, 'subscribed' | 'unsubscribed' | 'no_consent' | 'archived'>;
  /**
   * Words of that column that are no marketing status (Kit's `active`): the row is imported without one, the value
   * kept in the note, and the warning says why.
   */
  noMarketingStatus?: { values: readonly string[]; why: string };
  /**
   * Headers the file must have exactly as the system writes them (trimmed, in the same case) to be read as its: where
   * its fingerprint's names, normalised, are any sheet's (`First Name`, `State`, `Created At`).
   */
  headersAsWritten?: readonly string[];
  /**
   * A column of the system's own whose value marks a row of the file owner's own side, which the report lists beside
   * the people it is about (a Teams meeting's `Role` `Organizer`): the row is no lead, and is rejected saying so.
   * Values are compared in any case.
   */
  ownSideRows?: { column: string; values: readonly string[]; meaning: string };
  /**
   * Email columns the system fills by the grade it gives their addresses, when a grade is below the addresses it
   * verified (RocketReach's `B Emails`), with what that grade means. The addresses are imported; a row whose first
   * address is of such a grade (it has no better one) is said, as a row whose email status calls its address bad.
   */
  gradedEmails?: Record<string, string>;
  /**
   * Set when the system's rows are a form's entries: the form asked its respondent, so its address columns that name
   * no owner are the person's, also beside the company they typed.
   */
  form?: true;
}

export interface ColumnPattern {
  match: RegExp;
  /**
   * `has(normalised header)` tells whether the file has a column (to find a companion label column). Undefined when
   * the column is not what the pattern is for after all (its companions are missing): it is read as any other.
   */
  meaning: (m: RegExpExecArray, has: (normalised: string) => string | undefined) => Meaning | undefined;
}

/**
 * A form's consent box: kept at the end of the lead's note under its own name, as the record of what the person
 * ticked, and never read as the marketing status (`note(*)`: the column's header is the label).
 */
export const CONSENT_BOX: Meaning =
  "note(*): a form's consent box, kept as the record of what the person ticked: what they agreed to (a privacy notice, or emails) is the form's text, and Pipedrive's marketing status `subscribed` would let Campaigns email them (map it to person: { marketing_status: … } when it is consent to marketing emails)";

/**
 * Headers any file may use, for a field each (the first column found wins a single-column field).
 * A bare `Title` is not here: the matcher reads it as a job title or a lead title from its
 * neighbours and its values (see column-matcher.ts).
 */
export const GENERIC_HEADERS: Record<Meaning, readonly string[]> = {
  'lead.title': [
    'leadtitle',
    'leadname',
    'dealname',
    'dealtitle',
    'subject',
    // Contact Form 7's default form: `your-subject` beside `your-name`, `your-email`, `your-message`.
    'yoursubject',
    'opportunity',
    'opportunityname',
    // ru, uk, pl, cs (not a bare `Название`, `Nazwa`, `Název`: the name of a thing, as often the company's)
    'названиелида',
    'названиесделки',
    'назваліда',
    'nazwaleada',
    'názevleadu',
  ],
  'lead.value': [
    'value',
    // Odoo's CRM pipeline export
    'expectedrevenue',
    'amount',
    'dealvalue',
    'leadvalue',
    'dealamount',
    'dealsize',
    'budget',
    // de, fr, es/pt, nl, it
    'wert',
    'betrag',
    'valeur',
    'montant',
    // es (Spain): an invoice's or an offer's amount
    'importe',
    'valor',
    'waarde',
    'valore',
    // ru, uk, pl, cs
    'сумма',
    'суммасделки',
    'бюджет',
    'сума',
    'wartość',
    'wartosc',
    'kwota',
    'hodnota',
    'částka',
    // hu
    'érték',
    'összeg',
  ],
  'lead.currency': [
    'currency',
    'currencycode',
    'valuecurrency',
    // de, fr, es, nl/it, pt
    'währung',
    'waehrung',
    'devise',
    'moneda',
    'valuta',
    'moeda',
    // ru/uk, pl, cs
    'валюта',
    'waluta',
    'měna',
    // hu
    'pénznem',
  ],
  'lead.expected_close_date': [
    'expectedclosedate',
    // Odoo's CRM pipeline export
    'expectedclosing',
    'closedate',
    'closingdate',
    'expectedclose',
    // de, fr, es, nl
    'abschlussdatum',
    'datedeclôture',
    'datedecloture',
    'fechadecierre',
    'sluitingsdatum',
    // ru, pl, cs
    'датазакрытия',
    'datazamknięcia',
    'datumuzavření',
  ],
  'lead.owner': ['owner', 'owneremail', 'leadowner', 'leadowneremail', 'assignedto', 'salesrep'],
  'lead.labels': ['labels', 'label', 'tags', 'tag', 'leadlabels'],
  'lead.visible_to': ['visibility', 'visibleto'],
  'lead.was_seen': ['wasseen', 'seen'],
  'lead.channel': ['channel', 'marketingchannel', 'sourcechannel'],
  'lead.channel_id': ['channelid', 'sourcechannelid'],
  'lead.origin_id': ['originid'],
  'lead.note': [
    // a web form's free text (Contact Form 7's `Your Message`)
    'message',
    'yourmessage',
    // WPForms' Simple Contact Form
    'commentormessage',
    'questionsorcomments',
    'inquiry',
    'enquiry',
    'additionalinformation',
    'notes',
    'note',
    'description',
    'comments',
    'comment',
    'remarks',
    'memo',
    // Insightly's and Highrise's free text about the contact
    'background',
    // Capsule's description of a person or an organisation
    'about',
    // de
    'bemerkungen',
    'bemerkung',
    'notizen',
    'notiz',
    'anmerkungen',
    'anmerkung',
    'kommentar',
    'kommentare',
    // fr
    'remarques',
    'remarque',
    'commentaire',
    'commentaires',
    // es/pt, nl, it
    'notas',
    'comentarios',
    'comentario',
    'observaciones',
    'observações',
    'opmerkingen',
    'opmerking',
    'notities',
    'commenti',
    // ru
    'комментарий',
    'комментарии',
    'примечание',
    'примечания',
    'заметки',
    // uk
    'коментар',
    'коментарі',
    'примітка',
    'примітки',
    // pl
    'uwagi',
    'uwaga',
    'notatki',
    'notatka',
    'komentarz',
    'komentarze',
    // cs
    'poznámka',
    'poznámky',
    'komentář',
    // hu
    'megjegyzés',
    'megjegyzések',
    // ja, zh, ko
    '備考',
    'メモ',
    '备注',
    '備註',
    '비고',
    '메모',
  ],
  // Attio's `Primary location` of a person (a location attribute; the text its export writes is unconfirmed: the
  // fixtures README, 76).
  [PERSON_LOCATION]: ['location', 'personlocation', 'contactlocation', 'linkedinlocation', 'primarylocation'],
  [PERSON_HEADLINE]: ['headline', 'linkedinheadline', 'profileheadline'],
  [DO_NOT_CALL]: ['donotcall', 'dnc', 'donotphone', 'donotcallflag'],
  [DO_NOT_CONTACT]: ['donotcontact', 'dncstatus'],
  // A cold-email tool's personal opening line for the lead (Instantly's `personalization`, a sheet's `Icebreaker`): what
  // the caller should read before calling, as lemlist's `icebreaker`.
  [PERSONAL_OPENING_LINE]: [
    'personalization',
    'personalisation',
    'personalizedline',
    'personalisedline',
    'icebreaker',
  ],
  // A bare name column (`Name`, `Nom`, `Nombre`, `Nome`, `Naam`) is not here: in German, French,
  // Spanish and Italian forms it is often the surname or the given name, so the matcher reads it
  // from the columns beside it (see AMBIGUOUS_NAME_HEADERS).
  'person.name': [
    'fullname',
    'contact',
    'contactname',
    // Calendly's invitees export
    'inviteename',
    // HubSpot's deals export: `Zoë Ørsted (zoe@angstrom.example.com)` (the row validator takes the address too)
    'associatedcontact',
    'personname',
    'person',
    'contactperson',
    // de, fr, es, it, nl
    'vollständigername',
    'nomcomplet',
    'nombrecompleto',
    'nomecompleto',
    'volledigenaam',
    'ansprechpartner',
    // ru (`ФИО`: surname, given name, patronymic in one cell, kept as written), uk, pl, cs
    'фио',
    'полноеимя',
    'контактноелицо',
    'піб',
    'контактнаособа',
    'imięinazwisko',
    'imieinazwisko',
    'jménoapříjmení',
    'celéjméno',
    // hu
    'teljesnév',
    // ja, zh, ko
    '名前',
    '氏名',
    'お名前',
    '担当者名',
    '姓名',
    '联系人',
    '聯絡人',
    '이름',
    '성명',
    '담당자',
  ],
  'person.first_name': [
    // Calendly's invitees export
    'inviteefirstname',
    'firstname',
    'givenname',
    'forename',
    'first',
    // de, fr, nl, es, pt
    'vorname',
    'prénom',
    'prenom',
    'voornaam',
    'nombredepila',
    'primeironome',
    // cs (a bare `Jméno`, like `Имя`, `Ім'я` and `Imię`, is read from its neighbours: AMBIGUOUS_NAME_HEADERS)
    'křestníjméno',
    // hu
    'keresztnév',
    'utónév',
    // ja, zh, ko
    '名',
  ],
  // Dutch names keep their particle apart (`Jan` `van` `Dijk`): it belongs in the full name, between
  // first and last name, where a middle name goes.
  // A Russian or Ukrainian patronymic (`Отчество`, `По батькові`) likewise: Pipedrive has no field for
  // it, and dropping it loses how the person is addressed (`Анна Сергеевна`), so it goes into the full
  // name in the order Russian prose writes a name, `Анна Сергеевна Смирнова`; first and last name stay
  // the given name and the surname, which is what sorting and greetings by first name need.
  // A plain `Middle Name` (a web form's, a purchased list's) goes there too, as Google's and Outlook's do: "Jane A.
  // Doe" arrives whole, first and last name still "Jane" and "Doe".
  'person.middle_name': [
    'middlename',
    'middleinitial',
    'tussenvoegsel',
    'tussenvoegsels',
    'отчество',
    'побатькові',
  ],
  'person.last_name': [
    'inviteelastname',
    'lastname',
    'surname',
    'familyname',
    'last',
    // de
    'nachname',
    'familienname',
    'zuname',
    // fr, nl
    'nomdefamille',
    'achternaam',
    // nl-BE (Teamleader, a Flemish sheet): the family name
    'familienaam',
    // es, it, pt (not `apelido`: the surname in Portugal, a nickname in Brazil)
    'apellidos',
    'apellido',
    'cognome',
    'sobrenome',
    // ru, uk, pl, cs
    'фамилия',
    'прізвище',
    'nazwisko',
    'příjmení',
    // hu
    'vezetéknév',
    'családnév',
    // ja, zh, ko
    '姓',
    '성',
  ],
  'person.email:work': [
    'email',
    'emailaddress',
    'workemail',
    'contactemail',
    'inviteeemail',
    // RocketReach's
    'recommendedprofessionalemail',
    'primaryemail',
    'businessemail',
    'mail',
    // Numbered columns (`Email 1`, `Email 2`, as lead lists and purchased data write them): the first is the primary.
    'email1',
    // A second work address is still one (Kaspr's `Work Email 2`).
    'workemail2',
    'workemail3',
    // de (`E-Mail-Adresse`), fr (`Adresse e-mail`, `Courriel`), es, nl, it
    'emailadresse',
    'adresseemail',
    'adressemail',
    'courriel',
    'correo',
    'correoelectrónico',
    'correoelectronico',
    'emailadres',
    'indirizzoemail',
    // ru, uk, pl, cs (not a bare `Почта`/`Пошта`, which is as often the postal address)
    'электроннаяпочта',
    'элпочта',
    'адресэлектроннойпочты',
    'емейл',
    'имейл',
    'електроннапошта',
    'адресаелектронноїпошти',
    'adresemail',
    'adresemailowy',
    'emailováadresa',
    // hu
    'emailcím',
    // ja, zh, ko
    'メールアドレス',
    'メール',
    'eメール',
    '電子メール',
    '电子邮件',
    '电子邮箱',
    '邮箱',
    '電子郵件',
    '이메일',
    '이메일주소',
    '전자우편',
  ],
  'person.email:home': [
    'homeemail',
    'personalemail',
    'privateemail',
    'homeemailaddress',
    'personalemailaddress',
    'privateemailaddress',
  ],
  // A column named in the plural holds several values a cell (Outreach's `Emails`, `Mobile Phones`), joined by `,`
  // or `;`.
  'person.email:work*': ['emails', 'emailaddresses', 'workemails'],
  'person.email:home*': ['personalemails', 'homeemails'],
  // SuiteCRM's and SugarCRM's `Non Primary E-mails` (several a cell, `;` between them)
  'person.email:other*': ['nonprimaryemails', 'otheremails', 'additionalemails'],
  // Outreach's `Voip Phones`: a desk line by its technology, not a mobile or a home one.
  'person.phone:work*': ['phones', 'phonenumbers', 'workphones', 'workphonenumbers', 'voipphones'],
  'person.phone:mobile*': ['mobilephones', 'mobiles', 'cellphones', 'mobilephonenumbers'],
  'person.phone:home*': ['homephones'],
  'person.phone:other*': ['otherphones'],
  'person.email:other': [
    'secondaryemail',
    'email2',
    'email3',
    // Kaspr's personal addresses beside its work ones: not said to be home, so other.
    'directemail',
    'directemail2',
    'otheremail',
    'secondaryemailaddress',
    'otheremailaddress',
    'alternativeemail',
    'alternateemail',
  ],
  'person.phone:work': [
    // a CRM's first number (vtiger's `Primary Phone`)
    'primaryphone',
    // purchased lists and web forms
    'directline',
    'telephonenumber',
    'workphonenumber',
    'phone',
    'phonenumber',
    'telephone',
    'tel',
    'contactphone',
    'contactnumber',
    'phoneno',
    'workphone',
    'businessphone',
    'officephone',
    'directphone',
    // Brevo's `LANDLINE_NUMBER` (the number its Phone app calls), in import files made for it too
    'landline',
    'landlinenumber',
    'directdial',
    'phone1',
    // A CRM's "Work Number" beside its "Mobile Number".
    'worknumber',
    'officenumber',
    'businessnumber',
    'directnumber',
    // de, fr, es/it, pt, nl
    'telefon',
    'telefonnummer',
    'téléphone',
    'teléfono',
    'telefono',
    'telefone',
    'telefoon',
    'telefoonnummer',
    'numeroditelefono',
    'númerodeteléfono',
    'numerodetelefono',
    // German Outlook and address lists name the kind after the word: `Telefon geschäftlich`, `Telefon/privat`.
    'telefongeschäftlich',
    'telefonberuflich',
    // ru, uk (`Телефон` is `telefon`'s letters in Cyrillic), pl, cs
    'телефон',
    'номертелефона',
    'рабочийтелефон',
    'тел',
    'номертелефону',
    'робочийтелефон',
    'numertelefonu',
    'telefonsłużbowy',
    'telefonníčíslo',
    // hu
    'telefonszám',
    // ja, zh, ko
    '電話番号',
    '電話',
    '会社電話',
    '电话',
    '电话号码',
    '電話號碼',
    '전화번호',
    '전화',
    '회사전화',
  ],
  'person.phone:mobile': [
    // Calendly's invitees export: the number its text reminders go to
    'textremindernumber',
    // purchased lists and web forms
    'cellnumber',
    'cellphonenumber',
    'phonenumbermobile',
    'mobile',
    'mobilephone',
    // The number texts go to: Brevo's (Sendinblue's) `SMS` attribute, and its `WHATSAPP`.
    'sms',
    'smsnumber',
    'whatsapp',
    'whatsappnumber',
    'cell',
    'cellphone',
    'mobilenumber',
    'mobilephonenumber',
    // de
    'mobil',
    'mobiltelefon',
    'mobilnummer',
    'handy',
    'handynummer',
    'mobilestelefon',
    'mobiltelefonnummer',
    // fr
    'portable',
    'téléphoneportable',
    // es, pt, it, nl
    'móvil',
    'movil',
    'teléfonomóvil',
    'telefonomovil',
    'celular',
    'telemóvel',
    'telemovel',
    'cellulare',
    'mobiel',
    'mobielnummer',
    // Belgium, in Dutch and in French: a mobile is a `GSM` (Teamleader's column)
    'gsm',
    'gsmnummer',
    // ru, uk, pl, cs
    'мобильный',
    'мобильныйтелефон',
    'сотовый',
    'сотовыйтелефон',
    'мобільний',
    'мобільнийтелефон',
    'telefonkomórkowy',
    'komórka',
    'komórkowy',
    'mobilnítelefon',
    // hu
    'mobilszám',
    'mobiltelefonszám',
    // ja, zh, ko
    '携帯電話',
    '携帯電話番号',
    '携帯',
    '手机',
    '手机号',
    '手机号码',
    '手機',
    '휴대폰',
    '휴대전화',
    '핸드폰',
  ],
  'person.phone:home': [
    'homephone',
    'homenumber',
    'telefonprivat',
    'privattelefon',
    // ru, uk, pl
    'домашнийтелефон',
    'домашнійтелефон',
    'telefondomowy',
  ],
  'person.phone:other': [
    'otherphone',
    'phone2',
    'phone3',
    'secondaryphone',
    'alternatephone',
    'alternativephone',
    'additionalphone',
  ],
  // Not German `Titel`: an academic title (Dr., Prof.) there, which Pipedrive persons have no field for.
  'person.job_title': [
    'jobtitle',
    'position',
    // Sales Navigator exports (Evaboot's `Current Job`, older `Prospect Position`)
    'currentjob',
    'currentjobtitle',
    'currenttitle',
    'currentposition',
    'prospectposition',
    'designation',
    'jobrole',
    'role',
    'occupation',
    // de, fr, es/pt, nl, it
    'berufsbezeichnung',
    'funktion',
    'fonction',
    'poste',
    'cargo',
    'puesto',
    'functie',
    'ruolo',
    // ru, uk, pl, cs
    'должность',
    'посада',
    'stanowisko',
    'pozice',
    'funkce',
    // hu
    'beosztás',
    'munkakör',
    'pozíció',
    // ja, zh, ko
    '役職',
    '肩書',
    '职位',
    '職位',
    '职务',
    '직책',
    '직위',
  ],
  'person.birthday': [
    'birthday',
    'dateofbirth',
    'dob',
    'birthdate',
    // de, fr, es, it, nl, pt
    'geburtstag',
    'geburtsdatum',
    'datedenaissance',
    'fechadenacimiento',
    'datadinascita',
    'geboortedatum',
    'datadenascimento',
    // ru, uk, pl, cs
    'датарождения',
    'датанародження',
    'dataurodzenia',
    'datumnarození',
  ],
  'person.marketing_status': [
    'marketingstatus',
    'emailmarketingstatus',
    'subscriptionstatus',
    'emailsubscriptionstatus',
    // Wix's contacts export, Klaviyo's profiles export
    'emailsubscriberstatus',
    'emailmarketingconsent',
  ],
  'person.email_opt_out': [
    'emailoptout',
    'optedout',
    'emailoptedout',
    'optedoutofemail',
    'hasoptedoutofemail',
    'donotemail',
    'unsubscribed',
    // HubSpot's hs_email_optout
    'unsubscribedfromallemail',
    // Intercom's users export
    'unsubscribedfromemails',
    // Brevo's (Sendinblue's) `EMAIL_BLACKLISTED`: the contact unsubscribed or was blocked
    'emailblacklisted',
  ],
  'person.postal_address': ['homeaddress', 'postaladdress', 'mailingaddress'],
  'organization.name': [
    'company',
    // folk's `Companies`: the person's companies, the first the primary (a person has one in most rows)
    'companies',
    'organization',
    'organisation',
    'account',
    'companyname',
    'organizationname',
    'organisationname',
    'accountname',
    'companyaccount',
    // Salesforce's `Company / Account` in a German user's report
    'firmaaccount',
    'org',
    'employer',
    // HubSpot's deals export
    'associatedcompany',
    // LinkedIn scrapers, Bullhorn, RocketReach (`current_employer`), Stripe's customers (`Business Name`)
    'currentcompany',
    'currentemployer',
    'businessname',
    // de
    'firma',
    'firmenname',
    'unternehmen',
    // fr
    'société',
    'societe',
    'entreprise',
    'raisonsociale',
    // es/pt, nl, it
    'empresa',
    'bedrijf',
    'bedrijfsnaam',
    'azienda',
    'società',
    'societa',
    // ru
    'компания',
    'организация',
    'названиекомпании',
    'названиеорганизации',
    // uk
    'компанія',
    'організація',
    'назвакомпанії',
    // pl (`Firma` is above; not a bare `Nazwa`, the name of anything)
    'nazwafirmy',
    'organizacja',
    // cs (`Firma/Společnost`, as a Czech sheet heads it)
    'společnost',
    'firmaspolečnost',
    'názevfirmy',
    'názevspolečnosti',
    // hu
    'cég',
    'cégnév',
    'vállalat',
    'vállalatnév',
    // ja, zh, ko
    '会社名',
    '会社',
    '企業名',
    '法人名',
    '社名',
    '公司',
    '公司名称',
    '公司名稱',
    '企业名称',
    '회사명',
    '회사',
    '기업명',
  ],
  'organization.address': [
    'companyaddress',
    'organizationaddress',
    'businessaddress',
    // Evaboot's `Company Headquarters (Full Address)`
    'companyheadquarters',
    'companyheadquartersfulladdress',
    'headquartersaddress',
    'hqaddress',
    // Crunchbase's `Headquarters Location` (`Munich, Bayern, Germany`): where the company is, as text
    'headquarterslocation',
    'hqlocation',
  ],
  // The company's address in parts, named for it (`Company City`: a purchased list's person beside their company).
  // Salesloft's `Work City` beside the person's `City`.
  'organization.address.street': [
    'workstreet',
    'workaddress1',
    'companystreet',
    'companystreetaddress',
    'companyaddress1',
    'companyaddressline1',
  ],
  'organization.address.city': ['companycity', 'organizationcity', 'accountcity', 'workcity'],
  'organization.address.state': [
    'companystate',
    'companyregion',
    'companyprovince',
    'organizationstate',
    'workstate',
  ],
  'organization.address.postal_code': [
    'workzip',
    'workzipcode',
    'workpostalcode',
    'companyzip',
    'companyzipcode',
    'companypostalcode',
    'companypostcode',
    'organizationpostalcode',
  ],
  'organization.address.country': ['companycountry', 'organizationcountry', 'accountcountry', 'workcountry'],
  // The person's, named for them (`Person City`, `Contact City`, a Salesforce contact's `Mailing City`): the
  // ownerless parts beside them are the company's.
  'person.postal_address.street': ['personstreet', 'contactstreet', 'mailingstreet'],
  'person.postal_address.city': ['personcity', 'contactcity', 'mailingcity'],
  'person.postal_address.state': ['personstate', 'contactstate', 'mailingstate', 'mailingstateprovince'],
  'person.postal_address.postal_code': [
    'personzip',
    'personzipcode',
    'personpostalcode',
    'contactzip',
    'contactzipcode',
    'contactpostalcode',
    'contactpostcode',
    'personpostcode',
    'mailingzip',
    'mailingzipcode',
    'mailingpostalcode',
    'mailingzippostalcode',
  ],
  'person.postal_address.country': ['personcountry', 'contactcountry', 'mailingcountry'],
  'organization.website': [
    'website',
    'web',
    'companywebsite',
    'companyurl',
    'companywebsiteurl',
    'homepage',
    'companydomain',
    'websiteurl',
    'websiteurl1',
    'domain',
    'domainname',
    // de, fr, es, it
    'webseite',
    'internetseite',
    'siteweb',
    'siteinternet',
    'sitioweb',
    'paginaweb',
    'sitoweb',
    // ru, uk, pl, cs
    'сайт',
    'вебсайт',
    'корпоративныйсайт',
    'вебсайткомпании',
    'stronawww',
    'stronainternetowa',
    'www',
    'webovástránka',
    'webovéstránky',
    // hu
    'weboldal',
    'honlap',
    // ja, zh, ko
    'ウェブサイト',
    'ホームページ',
    '网站',
    '網站',
    '웹사이트',
    '홈페이지',
  ],
  'organization.linkedin': ['companylinkedin', 'companylinkedinurl', 'companylinkedinprofile'],
  // `sector` is Spanish and Dutch too; `Branche` German and Dutch.
  'organization.industry': [
    'industry',
    'companyindustry',
    'organizationindustry',
    'organisationindustry',
    'accountindustry',
    'industries',
    'companyindustries',
    'sector',
    'branche',
    'secteur',
    'industrie',
    'settore',
  ],
  'organization.employee_count': [
    // Evaboot's exact count (its `Company Employee Range` beside it is left out)
    'companyemployeeexactcount',
    'employeeexactcount',
    'exactemployeecount',
    'employees',
    'employeecount',
    'numberofemployees',
    'noofemployees',
    'companysize',
    'headcount',
    // de, fr, es, it, nl (German `Mitarbeiter` alone is left out: it is also a staff member's name)
    'mitarbeiteranzahl',
    'anzahlmitarbeiter',
    'effectif',
    'effectifs',
    'empleados',
    'númerodeempleados',
    'numerodeempleados',
    'dipendenti',
    'numerodipendenti',
    'aantalmedewerkers',
  ],
  'organization.annual_revenue': [
    'annualrevenue',
    'revenue',
    // de, fr, es, it, nl
    'umsatz',
    'jahresumsatz',
    'chiffredaffaires',
    'facturación',
    'facturacion',
    'fatturato',
    'omzet',
  ],
};

/**
 * Bare name columns, read by the matcher from their neighbours and values: the full name alone;
 * beside a first-name column (German `Vorname` + `Name`, French `Prénom` + `Nom`) the surname;
 * beside a surname column (Spanish `Nombre` + `Apellidos`, Italian `Nome` + `Cognome`) the given
 * name; and the full name again wherever its values hold the other column's.
 */
export const AMBIGUOUS_NAME_HEADERS: readonly string[] = [
  'name',
  'nom',
  'nombre',
  'nome',
  'naam',
  // Russian `Имя`, Ukrainian `Ім'я` (with either apostrophe), Polish `Imię`, Czech `Jméno`: the given
  // name beside a surname column (`Имя` + `Фамилия`), but a form with one name field gets full names in it.
  'имя',
  'імя',
  'імʼя',
  'imię',
  'imie',
  'jméno',
];

/**
 * Address parts without an owner in their name (`City`): the organization's when the file names
 * an organization, else the person's. A full address in one column (`Address`) likewise.
 */
export const GENERIC_ADDRESS: Record<
  'street' | 'street_number' | 'city' | 'state' | 'postal_code' | 'country' | 'whole',
  readonly string[]
> = {
  // In German, French, Spanish, Italian, Portuguese and Dutch after the English names. Left out
  // on purpose: Italian `Via` (English "via", a channel) and `CAP` (English "cap"), Spanish and
  // Portuguese `Estado` (also a status), French `Département` (also a company's department),
  // `Kraj` (Polish for country, Czech for region).
  whole: [
    'address',
    'fulladdress',
    'streetaddressfull',
    'adresse',
    'dirección',
    'direccion',
    'indirizzo',
    'endereço',
    'endereco',
    'adres',
    // ru, uk, cs (Polish `Adres` is the Dutch word above)
    'адрес',
    'адреса',
    'adresa',
    // ja, zh, ko
    '住所',
    '地址',
    '주소',
  ],
  street: [
    'street',
    'streetaddress',
    'address1',
    'addressline1',
    // Joined after line 1 (`Address Line 2`: a suite, a floor).
    'address2',
    'addressline2',
    'street2',
    'road',
    'straße',
    'strasse',
    'straßeundhausnummer',
    'strasseundhausnummer',
    'rue',
    'calle',
    'straat',
    // Bitrix24's address form: `Улица, номер дома`, then `Квартира, офис, комната, этаж`.
    'улицаномердома',
    'квартираофискомнатаэтаж',
    'улица',
    'вулиця',
    'ulica',
    'ulice',
  ],
  // The house number in a column of its own, beside the street (Teamleader's `Rue` + `Numéro de la rue`, a German
  // sheet's `Straße` + `Hausnummer`): Pipedrive keeps it as the address's street number.
  street_number: [
    'streetnumber',
    'housenumber',
    'hausnummer',
    'hausnr',
    'huisnummer',
    'huisnr',
    'numérodelarue',
    'numéroderue',
    'numerodelarue',
    'numeroderue',
    'númerodelacalle',
    'numerodelacalle',
    'numerocivico',
    'номердома',
  ],
  city: [
    'city',
    'town',
    'locality',
    'ort',
    'stadt',
    'ville',
    'ciudad',
    'città',
    'citta',
    'cidade',
    'plaats',
    'woonplaats',
    // nl-BE: the municipality, as Belgian addresses name the city
    'gemeente',
    // ru, uk, pl, cs
    'город',
    'населенныйпункт',
    'населённыйпункт',
    'місто',
    'miasto',
    'miejscowość',
    'město',
    'obec',
    // hu
    'város',
    'település',
    // ja, zh, ko
    '市区町村',
    '城市',
    '도시',
  ],
  state: [
    'state',
    'region',
    'province',
    'county',
    'stateprovince',
    'stateregion',
    'bundesland',
    'kanton',
    'région',
    'provincia',
    'regione',
    'provincie',
    'регион',
    'область',
    'województwo',
    // ja, zh, ko
    '都道府県',
    '省份',
    '시도',
  ],
  postal_code: [
    'zip',
    'zipcode',
    'postcode',
    'postalcode',
    'zippostalcode',
    'plz',
    'postleitzahl',
    'codepostal',
    'códigopostal',
    'codigopostal',
    'индекс',
    'почтовыйиндекс',
    'поштовийіндекс',
    'kodpocztowy',
    'psč',
    // hu
    'irányítószám',
    // ja, zh, ko
    '郵便番号',
    '邮编',
    '邮政编码',
    '우편번호',
  ],
  // Not `Kraj`: the country in Polish, a region in Czech.
  country: [
    'country',
    'countryregion',
    'land',
    'pays',
    'país',
    'pais',
    'paese',
    'страна',
    'країна',
    'země',
    'ország',
    // ja, zh, ko
    '国',
    '国名',
    '国家',
    '국가',
  ],
};

/** An email column's word, normalised, that a kind can follow (`Email (Work)`, `E-Mail-Adresse (privat)`). */
const KIND_EMAIL_WORDS = [
  'email',
  'emailaddress',
  'mail',
  'emailadresse',
  'courriel',
  'correo',
  'correoelectronico',
];
/** A phone column's word, normalised, that a kind can follow (`Phone (Mobile)`, `Telefon (geschäftlich)`). */
const KIND_PHONE_WORDS = [
  'phone',
  'phonenumber',
  'telephone',
  'telephonenumber',
  'tel',
  'telefon',
  'telefonnummer',
  'téléphone',
  'teléfono',
  'telefono',
  'telefone',
];
/** The kinds they can say, as `contactLabelOf` reads them. */
const CONTACT_KIND_WORDS = [
  'work',
  'business',
  'office',
  'direct',
  'main',
  'primary',
  'home',
  'personal',
  'private',
  'privat',
  'mobile',
  'cell',
  'cellular',
  'other',
  'geschäftlich',
  'büro',
  'dienstlich',
  'travail',
  'bureau',
  'portable',
  'domicile',
  'autre',
  // pt (a Brazilian Pipedrive account's `Telefone - Trabalho`, `E-mail - Residencial`), de (`Telefon - Mobil`)
  'trabalho',
  'residencial',
  'celular',
  'outros',
  'outro',
  'mobil',
  'sonstiger',
  'sonstige',
];

/** The column naming the row's `n`th person (`Name 2`, `First Name 2`), as the file writes it, if it has one. */
function secondPersonName(n: string, has: (normalised: string) => string | undefined): string | undefined {
  for (const name of ['name', 'fullname', 'firstname', 'contactname', 'contact']) {
    const header = has(`${name}${n}`);
    if (header) return header;
  }
  return undefined;
}

/** Why a second person's columns are left out. */
const SECOND_PERSON = (nameColumn: string) =>
  `a second person's, beside "${nameColumn}": a lead has one person; import them from a file of their own (their name, email and phone in the columns of the first)`;

/**
 * Numbered contact columns in any file, as Google Contacts names them (`E-mail 1 - Value` beside
 * `E-mail 1 - Label`; its older export and others write `Type`, with or without the ` - `): a header
 * that says this much means the same wherever the file comes from, also when the rest of the file is
 * not Google's (a sheet a user keeps under Google's names, a CRM that copied them).
 */
export const GENERIC_PATTERNS: readonly ColumnPattern[] = [
  {
    // A form's name field, a column per part under the field's label: Gravity Forms' `Name (First)`, `Name (Last)`,
    // WPForms' `Name: First` (both `namefirst` once normalised), with the prefix and suffix a Gravity Forms export adds.
    match: /^(?:your|full|contact|customer|client)?name(first|middle|last|prefix|suffix)$/,
    meaning: (m) =>
      m[1] === 'prefix'
        ? 'ignore: a name prefix (Mr., Dr.): Pipedrive persons have no salutation field'
        : m[1] === 'suffix'
          ? 'ignore: a name suffix: Pipedrive persons have no such field'
          : `person.${m[1]}_name`,
  },
  {
    // A form's consent box (`Consent`, WPForms' `GDPR Agreement`, `Privacy Policy`): what the person agreed to is the
    // form's text (a privacy notice, or emails), not the column's name, and Pipedrive's marketing status `subscribed`
    // lets Campaigns email them, so it is never guessed. Not `Email Marketing Consent` (a status, Klaviyo's).
    match: /^(?:consent|gdpr|privacy|marketingconsent)/,
    meaning: () => CONSENT_BOX,
  },
  {
    // Numbered tag columns (Insightly's `Tag 1`, `Tag 2`…): the exporting system's tags, one a column. No single lead
    // field takes several columns of labels, and they need not be the account's: each is kept in the lead's note.
    match: /^tag(\d+)$/,
    meaning: (m) =>
      `note(Tag ${m[1]}): a tag of the system the file comes from, one of several columns, which need not be the account's lead labels (map one of them to lead: { labels: … } if they are)`,
  },
  {
    match: /^(email|phone)(\d+)value$/,
    meaning: (m, has) =>
      `person.${m[1]}@${has(`${m[1]}${m[2]}label`) ?? has(`${m[1]}${m[2]}type`) ?? ''}`.replace(/@$/, ''),
  },
  {
    // `Phone 1` beside `Phone 1 Type` (Keap, lead lists, vCard converters): the kind is the Type column's, per row;
    // without one, the first is the primary (work) and the others other.
    match: /^(email|phone)(\d+)$/,
    meaning: (m, has) => {
      // Beside `Name 2` (two people in a row: a couple, a company's second contact) it is the second person's.
      const person = m[2] === '1' ? undefined : secondPersonName(m[2] as string, has);
      if (person) return `ignore: ${SECOND_PERSON(person)}`;
      const label = has(`${m[1]}${m[2]}type`) ?? has(`${m[1]}${m[2]}label`);
      return label ? `person.${m[1]}@${label}` : `person.${m[1]}:${m[2] === '1' ? 'work' : 'other'}`;
    },
  },
  {
    // The kind after the word, in brackets or after a dash: `Email (Work)`, `Email Address (Home)`, `Phone (Mobile)`,
    // `Telephone - Office` (Pipedrive's sample import spreadsheet, Capsule, templates). Before the word (`Work Email`)
    // is in GENERIC_HEADERS.
    match: new RegExp(
      `^(?:(${KIND_EMAIL_WORDS.join('|')})|(${KIND_PHONE_WORDS.join('|')}))(${CONTACT_KIND_WORDS.join('|')})$`,
    ),
    meaning: (m) => {
      const label = contactLabelOf(m[3] as string);
      return m[1] !== undefined
        ? `person.email:${label === 'mobile' ? 'other' : label}`
        : `person.phone:${label}`;
    },
  },
  {
    // `Name 2`, `First Name 2`: a second person in the row, whom a lead (one person) cannot take.
    match: /^(name|fullname|firstname|lastname|contactname|contact)([2-9])$/,
    meaning: () =>
      'ignore: a second person in the row: a lead has one person; import them from a file of their own (their name, email and phone in the columns of the first)',
  },
  {
    match: /^(email|phone)(\d+)(label|type)$/,
    meaning: (m, has) =>
      (has(`${m[1]}${m[2]}value`) ?? has(`${m[1]}${m[2]}`))
        ? 'ignore: the label of the column beside it'
        : `ignore: a label of ${m[1] === 'email' ? 'an email' : 'a phone'} ${m[2]}, which the file has no value column for`,
  },
];

/**
 * A phone's extension in a column of its own, wherever the file comes from: a phone column's name with `Ext`,
 * `Extn` or `Extension` after it (Keap's `Phone 1 Ext`, a sheet's `Work Phone Ext.`), after the word before
 * `Phone` (Act!'s `Business Extension` beside `Business Phone`), or alone (`Ext`, `Extension`, `Phone Ext`).
 * `phone` is the normalised name before that word (`phone1`, `workphone`, `business`; `''` alone), undefined when
 * the header is no extension: that name must end in `phone` (and a number) or be a column's, with `phone` or
 * without (`has` tells whether the file has a column; `Text` or `Next`, whose `T` or `N` no column is named, are no
 * extensions). The column matcher joins it to the phone column it names, or to the file's one phone column, and
 * the row validator adds it to that number (`… ext. 89`): Pipedrive's phone is free text, with no extension field.
 */
export function extensionHeader(
  normalised: string,
  has: (normalised: string) => string | undefined,
): { phone: string } | undefined {
  const m = /^(.*?)(?:ext|extn|extension)(?:no|number)?$/.exec(normalised);
  if (!m) return undefined;
  const phone = m[1] as string;
  const named =
    GENERIC_PHONE_NAMES.includes(phone) ||
    /(phone|phonenumber)\d*$/.test(phone) ||
    has(phone) !== undefined ||
    has(`${phone}phone`) !== undefined;
  return named ? { phone } : undefined;
}

/** What an extension column's name says before `Ext` when it names no phone column in particular: `Phone Ext`. */
export const GENERIC_PHONE_NAMES: readonly string[] = [
  '',
  'phone',
  'phonenumber',
  'telephone',
  'telephonenumber',
  'tel',
];

const COMPANY_PHONE =
  "the company's main number: Pipedrive organizations have no phone field; map it to an organization custom field to keep it";

/** Columns no Pipedrive field takes, wherever they come from, with the reason the dry run gives. */
export const GENERIC_IGNORED: Record<string, string> = {
  id: 'a record id of the system the file comes from',
  recordid: 'a record id of the system the file comes from',
  // monday.com's board export.
  itemidautogenerated: 'a record id of the system the file comes from',
  subitems:
    "monday.com's subitems: each is a line of its own under its item, with a header of its own; not read as leads",
  salutation: 'a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
  prefix: 'a name prefix: Pipedrive persons have no salutation field',
  suffix: 'a name suffix: Pipedrive persons have no such field',
  anrede: 'a salutation (Herr, Frau): Pipedrive persons have no salutation field',
  civilité: 'a salutation (M., Mme): Pipedrive persons have no salutation field',
  civilite: 'a salutation (M., Mme): Pipedrive persons have no salutation field',
  tratamiento: 'a salutation (Sr., Sra.): Pipedrive persons have no salutation field',
  aanspreking: 'a salutation (Mevrouw, Mijnheer): Pipedrive persons have no salutation field',
  aanhef: 'a salutation (Mevrouw, Mijnheer): Pipedrive persons have no salutation field',
  fax: 'a fax number: not imported',
  companyphone: COMPANY_PHONE,
  hqphone: COMPANY_PHONE,
  companyhqphone: COMPANY_PHONE,
  switchboard: COMPANY_PHONE,
  createddate: "the source system's creation date: Pipedrive sets its own",
  createdtime: "the source system's creation date: Pipedrive sets its own",
  createdate: "the source system's creation date: Pipedrive sets its own",
  // Attio's `Created at` and `Updated at`.
  createdat: "the source system's creation date: Pipedrive sets its own",
  updatedat: "the source system's last change: Pipedrive sets its own",
  // fr: Sellsy's, Axonaut's… `Date de création`
  datedecréation: "the source system's creation date: Pipedrive sets its own",
  datedecreation: "the source system's creation date: Pipedrive sets its own",
  modifiedtime: "the source system's last change: Pipedrive sets its own",
  lastmodifieddate: "the source system's last change: Pipedrive sets its own",
  // What a web form records of its visitor (Gravity Forms, WPForms: `User Agent`, `User IP`, `Source Url`).
  useragent: "the visitor's browser, as the form recorded it: no field takes it",
  userip: "the visitor's IP address: no field takes it",
  ipaddress: 'an IP address: no field takes it',
  sourceurl: 'the page the form was sent from: map it to a lead custom field to keep it',
  pageurl: 'the page the form was sent from: map it to a lead custom field to keep it',
  // Google Forms' response sheet: when the form was sent.
  timestamp: 'when the row was written (a form response, a tool run): Pipedrive sets its own dates',
  leadstatus:
    'a lead status: a Pipedrive lead has none (it is open until converted); map it to a custom field to keep it',
  status: 'a status: a Pipedrive lead has none; map it to a custom field to keep it',
  статус: 'a status: a Pipedrive lead has none; map it to a custom field to keep it',
  стадия: 'a stage: a Pipedrive lead has none; map it to a custom field to keep it',
  обращение: 'a salutation: Pipedrive persons have no salutation field',
  // fr: the user a record belongs to (Sellsy's `Propriétaire`), a user of that system
  propriétaire:
    "a user of the system the file comes from: map it (lead: { owner: … }) when the names are your Pipedrive users'",
  proprietaire:
    "a user of the system the file comes from: map it (lead: { owner: … }) when the names are your Pipedrive users'",
  ответственный:
    "a user of the system the file comes from: map it (lead: { owner: … }) when the names are your Pipedrive users'",
};

/** `Email 1` … `Email 10`, as Seamless.AI numbers its columns. */
function numbered(base: string, meaning: (n: number) => Meaning): Record<string, Meaning> {
  return Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${base} ${i + 1}`, meaning(i + 1)]));
}

/** Outlook's CSV export (Windows), its English header names (README 8). */
const OUTLOOK_COLUMNS: Record<string, Meaning> = {
  Title: "ignore: Outlook's Title is a salutation (Mr., Dr.), not a job title",
  'First Name': 'person.first_name',
  'Middle Name': 'person.middle_name',
  'Last Name': 'person.last_name',
  Suffix: 'ignore: a name suffix: Pipedrive persons have no such field',
  'E-mail Address': 'person.email:work',
  'E-mail 2 Address': 'person.email:other',
  'E-mail 3 Address': 'person.email:other',
  'Primary Phone': 'person.phone:other',
  'Business Phone': 'person.phone:work',
  'Business Phone 2': 'person.phone:work',
  'Company Main Phone': 'person.phone:work',
  Callback: 'person.phone:other',
  'Mobile Phone': 'person.phone:mobile',
  'Home Phone': 'person.phone:home',
  'Home Phone 2': 'person.phone:home',
  'Other Phone': 'person.phone:other',
  'Car Phone': 'person.phone:other',
  'Job Title': 'person.job_title',
  Company: 'organization.name',
  'Business Street': 'organization.address.street',
  'Business Street 2': 'organization.address.street',
  'Business Street 3': 'organization.address.street',
  'Business City': 'organization.address.city',
  'Business State': 'organization.address.state',
  'Business Postal Code': 'organization.address.postal_code',
  'Business Country/Region': 'organization.address.country',
  'Home Street': 'person.postal_address.street',
  'Home Street 2': 'person.postal_address.street',
  'Home Street 3': 'person.postal_address.street',
  'Home City': 'person.postal_address.city',
  'Home State': 'person.postal_address.state',
  'Home Postal Code': 'person.postal_address.postal_code',
  'Home Country/Region': 'person.postal_address.country',
  'Web Page': 'organization.website',
  Birthday: 'person.birthday',
  Notes: 'lead.note',
  Categories: "ignore: Outlook's categories, not lead labels",
  Department: 'ignore: a department: map it to a custom person field to keep it',
};

const OUTLOOK_PATTERNS: readonly ColumnPattern[] = [
  {
    match: /^(email\d*(type|displayname)|emailtype|emaildisplayname)$/,
    meaning: () => "ignore: Outlook's email type or display name",
  },
  {
    match: /fax$|^(pager|radiophone|telex|ttytddphone|isdn|assistantsphone)$/,
    meaning: () => 'ignore: a phone Pipedrive persons do not keep',
  },
  {
    match:
      /^(other(street\d?|city|state|postalcode|countryregion|addresspobox)|(business|home)addresspobox)$/,
    meaning: () => 'ignore: a further address line Pipedrive does not keep',
  },
  {
    match:
      /yomi$|^(officelocation|managersname|assistantsname|spouse|schools|hobby|location|anniversary|initials|gender|language|mileage|priority|private|sensitivity|billinginformation|directoryserver|accountdebug|account|governmentidnumber|organizationalidnumber|profession|referredby|children|keywords|user\d|internetfreebusy|personalwebpage|imaddress)$/,
    meaning: () => 'ignore: an Outlook field Pipedrive persons do not keep',
  },
];

/**
 * Outlook's CSV export names its columns in the language of the user's Outlook (README 87): each English header with
 * its German, French, Spanish and Dutch names, as Microsoft Exchange's own importer of these files lists them. A
 * localised column means what its English one does. Names a language leaves in English are left out (the English
 * entries read them), as are the few Exchange's table does not list.
 */
const OUTLOOK_NAMES: Record<string, { de?: string; fr?: string; es?: string; nl?: string }> = {
  Title: { de: 'Anrede', nl: 'Titel' },
  'First Name': { de: 'Vorname', fr: 'Prénom', es: 'Nombre', nl: 'Voornaam' },
  'Middle Name': {
    de: 'Weitere Vornamen',
    fr: 'Deuxième prénom',
    es: 'Segundo nombre',
    nl: 'Middelste naam',
  },
  'Last Name': { de: 'Nachname', fr: 'Nom', es: 'Apellidos', nl: 'Achternaam' },
  Suffix: { fr: 'Suffixe', nl: 'Achtervoegsel' },
  Company: { de: 'Firma', fr: 'Société', es: 'Organización', nl: 'Bedrijf' },
  Department: { de: 'Abteilung', fr: 'Service', nl: 'Afdeling' },
  'Job Title': { de: 'Position', es: 'Puesto', nl: 'Functie' },
  'Business Street': {
    de: 'Straße geschäftlich',
    fr: 'Rue (bureau)',
    es: 'Calle del trabajo',
    nl: 'Werkadres, straat',
  },
  'Business Street 2': {
    de: 'Straße geschäftlich 2',
    fr: 'Rue (bureau) 2',
    es: 'Calle del trabajo 2',
    nl: 'Werkadres 2, straat',
  },
  'Business Street 3': {
    de: 'Straße geschäftlich 3',
    fr: 'Rue (bureau) 3',
    es: 'Calle del trabajo 3',
    nl: 'Werkadres 3, straat',
  },
  'Business City': {
    de: 'Ort geschäftlich',
    fr: 'Ville (bureau)',
    es: 'Ciudad de trabajo',
    nl: 'Werkadres, plaats',
  },
  'Business State': {
    de: 'Region geschäftlich',
    fr: 'Dép/Région (bureau)',
    es: 'Provincia o estado de trabajo',
    nl: 'Werkadres, provincie',
  },
  'Business Postal Code': {
    de: 'Postleitzahl geschäftlich',
    fr: 'Code postal (bureau)',
    es: 'Código postal del trabajo',
    nl: 'Werkadres, postcode',
  },
  'Business Country/Region': {
    de: 'Land/Region geschäftlich',
    fr: 'Pays/Région (bureau)',
    es: 'País o región del trabajo',
    nl: 'Land/regio (werk)',
  },
  'Home Street': { de: 'Straße privat', fr: 'Rue (domicile)', nl: 'Huisadres, straat' },
  'Home Street 2': { de: 'Straße privat 2', fr: 'Rue (domicile) 2', nl: 'Huisadres, straat 2' },
  'Home Street 3': { de: 'Straße privat 3', fr: 'Rue (domicile) 3', nl: 'Huisadres, straat 3' },
  'Home City': { de: 'Ort privat', fr: 'Ville (domicile)', nl: 'Huisadres, plaats' },
  'Home State': { de: 'Bundesland/Kanton privat', fr: 'Dép/Région (domicile)', nl: 'Huisadres, provincie' },
  'Home Postal Code': { de: 'Postleitzahl privat', fr: 'Code postal (domicile)', nl: 'Huisadres, postcode' },
  'Home Country/Region': {
    de: 'Land/Region privat',
    fr: 'Pays/Région (domicile)',
    es: 'País o región del domicilio',
    nl: 'Land/regio (thuis)',
  },
  'Other Street': { de: 'Weitere Straße', fr: 'Rue (autre)', es: 'Otra calle', nl: 'Ander adres, straat' },
  'Other Street 2': {
    de: 'Weitere Straße 2',
    fr: 'Rue (autre) 2',
    es: 'Otra calle 2',
    nl: 'Ander adres, straat 2',
  },
  'Other Street 3': {
    de: 'Weitere Straße 3',
    fr: 'Rue (autre) 3',
    es: 'Otra calle 3',
    nl: 'Ander adres, straat 3',
  },
  'Other City': { de: 'Weiterer Ort', fr: 'Ville (autre)', es: 'Otra ciudad', nl: 'Ander adres, plaats' },
  'Other State': {
    de: 'Weiteres/r Bundesland/Kanton',
    fr: 'Dép/Région (autre)',
    es: 'Otra provincia o estado',
    nl: 'Ander adres, provincie',
  },
  'Other Postal Code': {
    de: 'Weitere Postleitzahl',
    fr: 'Code postal (autre)',
    es: 'Otro código postal',
    nl: 'Ander adres, postcode',
  },
  'Other Country/Region': {
    de: 'Weiteres/e Land/Region',
    fr: 'Pays/Région (autre)',
    es: 'Otro país o región',
    nl: 'Land/regio (anders)',
  },
  "Assistant's Phone": {
    de: 'Telefon Assistent',
    fr: "Téléphone de l'assistant(e)",
    nl: 'Telefoon assistent',
  },
  'Business Fax': { de: 'Fax geschäftlich', fr: 'Télécopie (bureau)', nl: 'Fax op werk' },
  'Business Phone': {
    de: 'Telefon geschäftlich',
    fr: 'Téléphone (bureau)',
    es: 'Teléfono del trabajo',
    nl: 'Telefoon op werk',
  },
  'Business Phone 2': { de: 'Telefon geschäftlich 2', fr: 'Téléphone 2 (bureau)', nl: 'Telefoon op werk 2' },
  Callback: { de: 'Rückmeldung', fr: 'Rappel', es: 'Devolución de llamada', nl: 'Terugbellen' },
  'Car Phone': { de: 'Autotelefon', fr: 'Téléphone (voiture)', nl: 'Autotelefoon' },
  'Company Main Phone': {
    de: 'Telefon Firma',
    fr: 'Téléphone société',
    es: 'Número de centralita de la organización',
    nl: 'Hoofdtelefoon bedrijf',
  },
  'Home Fax': { de: 'Fax privat', fr: 'Télécopie (domicile)', nl: 'Fax thuis' },
  'Home Phone': { de: 'Telefon privat', fr: 'Téléphone (domicile)', es: 'Particular', nl: 'Telefoon thuis' },
  'Home Phone 2': { de: 'Telefon privat 2', fr: 'Téléphone 2 (domicile)', nl: 'Telefoon thuis 2' },
  ISDN: { fr: 'RNIS' },
  'Mobile Phone': { de: 'Mobiltelefon', fr: 'Tél. mobile', nl: 'Mobiele telefoon' },
  'Other Fax': { de: 'Weiteres Fax', fr: 'Télécopie (autre)', es: 'Otro fax', nl: 'Andere fax' },
  'Other Phone': {
    de: 'Weiteres Telefon',
    fr: 'Téléphone (autre)',
    es: 'Otro teléfono',
    nl: 'Andere telefoon',
  },
  Pager: { fr: 'Récepteur de radiomessagerie' },
  'Primary Phone': {
    de: 'Haupttelefon',
    fr: 'Téléphone principal',
    es: 'Teléfono principal',
    nl: 'Hoofdtelefoon',
  },
  // German's `Mobiltelefon 2` is this field too: see OUTLOOK_OWN_NAMES.
  'Radio Phone': { fr: 'Radio téléphone', es: 'Radioteléfono', nl: 'Radiotelefoon' },
  'TTY/TDD Phone': {
    de: 'Telefon für Hörbehinderte',
    fr: 'Téléphone TDD/TTY',
    es: 'Número de teletipo',
    nl: 'Teksttelefoon',
  },
  Telex: { fr: 'Télex', es: 'Télex' },
  Account: { de: 'Konto', fr: 'Compte' },
  Anniversary: { de: 'Jahrestag', fr: 'Anniversaire de mariage ou fête', nl: 'Speciale datum' },
  "Assistant's Name": { de: 'Name Assistent', fr: "Nom de l'assistant(e)", nl: 'Naam assistent' },
  'Billing Information': {
    de: 'Abrechnungsinformation',
    fr: 'Informations facturation',
    es: 'Facturación',
    nl: 'Factuurinformatie',
  },
  // French `Anniversaire` is the birthday; the anniversary is `Anniversaire de mariage ou fête`.
  Birthday: { de: 'Geburtstag', fr: 'Anniversaire', nl: 'Verjaardag' },
  'Business Address PO Box': {
    de: 'Postfach geschäftlich',
    fr: 'B.P. professionnelle',
    es: 'Apartado postal de la dirección del trabajo',
    nl: 'Werkadres, postbusnummer',
  },
  Categories: { de: 'Kategorien', fr: 'Catégories', es: 'Categorías', nl: 'Categorieën' },
  Children: { de: 'Kinder', fr: 'Enfants', es: 'Hijos', nl: 'Kinderen' },
  'Directory Server': { de: 'Verzeichnisserver', fr: "Serveur d'annuaire" },
  'E-mail Address': { de: 'E-Mail-Adresse', fr: 'Adresse de messagerie', nl: 'E-mailadres' },
  'E-mail Type': { de: 'E-Mail-Typ', fr: 'Type de messagerie', nl: 'E-mailtype' },
  'E-mail Display Name': {
    de: 'E-Mail: Angezeigter Name',
    fr: "Nom complet de l'adresse de messagerie",
    es: 'Nombre de pantalla de correo electrónico',
    nl: 'Weergavenaam voor e-mail',
  },
  'E-mail 2 Address': {
    de: 'E-Mail 2: Adresse',
    fr: 'Adresse de messagerie 2',
    es: 'Dirección de correo electrónico 2',
    nl: 'E-mailadres 2',
  },
  'E-mail 2 Type': {
    de: 'E-Mail 2: Typ',
    fr: 'Type de messagerie 2',
    es: 'Tipo de correo electrónico 2',
    nl: 'E-mailtype 2',
  },
  'E-mail 2 Display Name': {
    de: 'E-Mail 2: Angezeigter Name',
    fr: "Nom complet de l'adresse de messagerie 2",
    es: 'Nombre de pantalla de correo electrónico 2',
    nl: 'E-mail, weergegeven naam 2',
  },
  'E-mail 3 Address': {
    de: 'E-Mail 3: Adresse',
    fr: 'Adresse de messagerie 3',
    es: 'Dirección del correo electrónico 3',
    nl: 'E-mailadres 3',
  },
  'E-mail 3 Type': {
    de: 'E-Mail 3: Typ',
    fr: 'Type de messagerie 3',
    es: 'Tipo de correo electrónico 3',
    nl: 'E-mailtype 3',
  },
  'E-mail 3 Display Name': {
    de: 'E-Mail 3: Angezeigter Name',
    fr: "Nom complet de l'adresse de messagerie 3",
    es: 'Nombre de pantalla de correo electrónico 3',
    nl: 'E-mail, weergegeven naam 3',
  },
  Gender: { de: 'Geschlecht', fr: 'Sexe', es: 'Género', nl: 'Geslacht' },
  'Government ID Number': { de: 'Regierungsnr.', fr: 'Code gouvernement', nl: 'Sofinummer' },
  Hobby: { fr: 'Passe-temps', es: 'Aficiones', nl: "Hobby's" },
  'Home Address PO Box': {
    de: 'Postfach privat',
    fr: 'Boîte postale du domicile',
    es: 'Apartado postal de la dirección personal',
    nl: 'Huisadres, postbusnummer',
  },
  Initials: { de: 'Initialen', fr: 'Initiales', nl: 'Initialen' },
  'Internet Free Busy': {
    de: 'Internet-Frei/Gebucht',
    fr: 'Disponibilité Internet',
    nl: 'Internet Beschikbaarheidsinfo',
  },
  Keywords: { de: 'Stichwörter', fr: 'Mots clés' },
  Language: { de: 'Sprache', fr: 'Langue' },
  // German `Ort` (a place) is the contact's free-text location, not a city: that is `Ort geschäftlich` or `Ort privat`.
  Location: { de: 'Ort', fr: 'Emplacement', nl: 'Locatie' },
  "Manager's Name": {
    de: 'Name des/der Vorgesetzten',
    fr: 'Responsable',
    es: 'Nombre del director',
    nl: 'Naam manager',
  },
  Mileage: { de: 'Reisekilometer', fr: 'Kilométrage', es: 'Kilometraje', nl: 'Reisafstand' },
  Notes: { de: 'Notizen', nl: 'Notities' },
  'Office Location': { de: 'Büro', fr: 'Bureau', nl: 'Kantoorlocatie' },
  'Organizational ID Number': { de: 'Organisationsnr.', fr: "Numéro d'identification de l'organisation" },
  'Other Address PO Box': {
    de: 'Weiteres Postfach',
    fr: 'Autre boîte postale',
    es: 'Otro apartado postal',
    nl: 'Ander adres, postbusnummer',
  },
  Priority: { de: 'Priorität', fr: 'Priorité', es: 'Prioridad', nl: 'Prioriteit' },
  Private: { de: 'Privat', fr: 'Privé' },
  Profession: { de: 'Beruf', es: 'Profesión', nl: 'Beroep' },
  'Referred By': { de: 'Empfohlen von', fr: 'Recommandé par' },
  Sensitivity: {
    de: 'Vertraulichkeit',
    fr: 'Critère de diffusion',
    es: 'Confidencialidad',
    nl: 'Gevoeligheid',
  },
  Spouse: { de: 'Partner', fr: 'Conjoint(e)', nl: 'Partner' },
  'User 1': { de: 'Benutzer 1', fr: 'Utilisateur 1', es: 'Usuario 1', nl: 'Gebruiker 1' },
  'User 2': { de: 'Benutzer 2', fr: 'Utilisateur 2', es: 'Usuario 2', nl: 'Gebruiker 2' },
  'User 3': { de: 'Benutzer 3', fr: 'Utilisateur 3', es: 'Usuario 3', nl: 'Gebruiker 3' },
  'User 4': { de: 'Benutzer 4', fr: 'Utilisateur 4', es: 'Usuario 4', nl: 'Gebruiker 4' },
  'Web Page': { de: 'Webseite', fr: 'Page Web', es: 'Página web', nl: 'Webpagina' },
};

/** Localised names that mean more than their English field's. */
const OUTLOOK_OWN_NAMES: Record<string, Meaning> = {
  // The field English calls `Radio Phone` is `Mobiltelefon 2` ("mobile phone 2") in German Outlook, and German users
  // keep their contacts' second mobile number in it.
  'Mobiltelefon 2': 'person.phone:mobile',
  Ort: "ignore: Outlook's Ort is the contact's free-text location (English Location), not a city: the cities are in Ort geschäftlich and Ort privat",
};

/**
 * French Outlook writes `Titre` twice: the salutation (English `Title`) before the first name, and the job title after
 * the company and department. In that order; a file with one `Titre` is read by its values, as a bare `Title` is.
 */
const OUTLOOK_REPEATED: Record<string, readonly Meaning[]> = {
  Titre: ["ignore: Outlook's first Titre is a salutation (M., Mme), not a job title", 'person.job_title'],
};

/** What an English Outlook header means, by the table or its patterns. */
function outlookMeaning(english: string): Meaning | undefined {
  if (Object.hasOwn(OUTLOOK_COLUMNS, english)) return OUTLOOK_COLUMNS[english];
  const name = normaliseHeaderName(english);
  for (const pattern of OUTLOOK_PATTERNS) {
    const m = pattern.match.exec(name);
    const meaning = m ? pattern.meaning(m, () => undefined) : undefined;
    if (meaning !== undefined) return meaning;
  }
  return undefined;
}

/** The localised headers of {@link OUTLOOK_NAMES}, each meaning what its English one does. */
function outlookLocalised(): Record<string, Meaning> {
  const columns: Record<string, Meaning> = {};
  for (const [english, names] of Object.entries(OUTLOOK_NAMES)) {
    const meaning = outlookMeaning(english);
    if (meaning === undefined) throw new Error(`Outlook's "${english}" has no meaning`);
    for (const name of Object.values(names)) columns[name] = meaning;
  }
  return { ...columns, ...OUTLOOK_OWN_NAMES };
}

/** Source systems, most distinctive first (the best score wins; ties go to the earlier one). */
export const SOURCE_SYSTEMS: readonly SourceSystem[] = [
  {
    id: 'salesforce-report',
    name: 'Salesforce report',
    fingerprint: {
      companyaccount: 4,
      leadowner: 1,
      leadsource: 1,
      leadstatus: 1,
      stateprovince: 2,
      zippostalcode: 2,
      noofemployees: 1,
      rating: 1,
      leadid: 2,
      // A report run by a user whose language is German: Salesforce writes its labels in that language.
      firmaaccount: 4,
      leadinhaber: 1,
      leadquelle: 1,
    },
    minScore: 4,
    columns: {
      'Lead Owner':
        "ignore: a Salesforce user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lead ID': 'ignore: the Salesforce record id',
      'Created By': 'ignore: a Salesforce user',
      Salutation: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Name: 'person.name',
      Title: 'person.job_title',
      'Company / Account': 'organization.name',
      Company: 'organization.name',
      Email: 'person.email:work',
      Phone: 'person.phone:work',
      Mobile: 'person.phone:mobile',
      Fax: 'ignore: a fax number: not imported',
      Street: 'organization.address.street',
      City: 'organization.address.city',
      'State/Province': 'organization.address.state',
      'State/Province (text only)': 'organization.address.state',
      'Zip/Postal Code': 'organization.address.postal_code',
      Country: 'organization.address.country',
      Website: 'organization.website',
      Industry: 'organization.industry',
      'No. of Employees': 'organization.employee_count',
      'Annual Revenue': 'organization.annual_revenue',
      Rating: 'lead.labels',
      Description: 'lead.note',
      'Email Opt Out': 'person.email_opt_out',
      'Lead Source':
        'ignore: the Salesforce lead source: Pipedrive\'s source channel takes its own options; map it (lead: { channel: "Lead Source" }) if the names match',
      'Lead Status':
        'ignore: the Salesforce lead status: a Pipedrive lead has none (it is open until converted)',
      'Created Date': "ignore: Salesforce's creation date: Pipedrive sets its own",
      'Create Date': "ignore: Salesforce's creation date: Pipedrive sets its own",
      'Last Activity': "ignore: Salesforce's last activity date",
      'Unread By Owner': 'ignore: a Salesforce flag',
      Converted: 'ignore: a Salesforce flag',
      // The labels a German user's report has (`Firma/Account`, `Lead-Inhaber`, `Erstelldatum`): its `Titel` is the
      // lead's job title, not the academic title a German sheet's `Titel` is; its address is the company's, as above.
      'Lead-Inhaber':
        "ignore: a Salesforce user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Erstellt von': 'ignore: a Salesforce user',
      Anrede: 'ignore: a salutation (Herr, Frau): Pipedrive persons have no salutation field',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      Titel: 'person.job_title',
      'Firma/Account': 'organization.name',
      Firma: 'organization.name',
      Telefon: 'person.phone:work',
      Mobiltelefon: 'person.phone:mobile',
      Straße: 'organization.address.street',
      Ort: 'organization.address.city',
      PLZ: 'organization.address.postal_code',
      Land: 'organization.address.country',
      Branche: 'organization.industry',
      Beschreibung: 'lead.note',
      'Lead-Quelle':
        'ignore: the Salesforce lead source: Pipedrive\'s source channel takes its own options; map it (lead: { channel: "Lead-Quelle" }) if the names match',
      Erstelldatum: "ignore: Salesforce's creation date: Pipedrive sets its own",
      'Erstellt am': "ignore: Salesforce's creation date: Pipedrive sets its own",
      'Letzte Aktivität': "ignore: Salesforce's last activity date",
      'Zuletzt geändert am': "ignore: Salesforce's last change",
    },
  },
  {
    id: 'salesforce-data-loader',
    name: 'Salesforce Data Loader',
    fingerprint: {
      ownerid: 3,
      isconverted: 3,
      systemmodstamp: 3,
      masterrecordid: 3,
      isunreadbyowner: 2,
      isdeleted: 1,
      createdbyid: 2,
      lastmodifiedbyid: 2,
      mobilephone: 1,
      postalcode: 1,
      numberofemployees: 1,
      leadsource: 1,
      hasoptedoutofemail: 2,
    },
    minScore: 5,
    columns: {
      Id: 'ignore: the Salesforce record id',
      FirstName: 'person.first_name',
      LastName: 'person.last_name',
      Name: 'person.name',
      Salutation: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      Title: 'person.job_title',
      Company: 'organization.name',
      Email: 'person.email:work',
      Phone: 'person.phone:work',
      MobilePhone: 'person.phone:mobile',
      Fax: 'ignore: a fax number: not imported',
      Street: 'organization.address.street',
      City: 'organization.address.city',
      State: 'organization.address.state',
      PostalCode: 'organization.address.postal_code',
      Country: 'organization.address.country',
      Website: 'organization.website',
      Industry: 'organization.industry',
      NumberOfEmployees: 'organization.employee_count',
      AnnualRevenue: 'organization.annual_revenue',
      Rating: 'lead.labels',
      Description: 'lead.note',
      HasOptedOutOfEmail: 'person.email_opt_out',
      OwnerId:
        'ignore: a Salesforce user id, not a Pipedrive user: add an owner email column (lead: { owner: … }) or defaults.owner',
      LeadSource:
        "ignore: the Salesforce lead source: Pipedrive's source channel takes its own options; map it (lead: { channel: LeadSource }) if the names match",
      Status: 'ignore: the Salesforce lead status: a Pipedrive lead has none',
      IsConverted: 'ignore: a Salesforce flag',
      IsDeleted: 'ignore: a Salesforce flag',
      IsUnreadByOwner: 'ignore: a Salesforce flag',
      MasterRecordId: 'ignore: a Salesforce record id',
      CreatedById: 'ignore: a Salesforce user id',
      LastModifiedById: 'ignore: a Salesforce user id',
      CreatedDate: "ignore: Salesforce's creation date: Pipedrive sets its own",
      LastModifiedDate: "ignore: Salesforce's last change",
      SystemModstamp: "ignore: Salesforce's last change",
      LastActivityDate: "ignore: Salesforce's last activity date",
    },
  },
  {
    id: 'hubspot',
    name: 'HubSpot',
    fingerprint: {
      lifecyclestage: 3,
      contactowner: 2,
      associatedcompany: 2,
      stateregion: 2,
      countryregion: 2,
      mobilephonenumber: 2,
      websiteurl: 1,
      createdate: 1,
      recordid: 1,
      phonenumber: 1,
      hubspotscore: 2,
      // An export by a user whose HubSpot language is German: HubSpot writes its property labels in that language.
      lifecyclephase: 3,
      lebenszyklusphase: 3,
      kontaktinhaber: 2,
      zugeordnetesunternehmen: 2,
      landregion: 2,
      bundeslandregion: 2,
      bundeslandkanton: 1,
      handynummer: 1,
      mobiltelefonnummer: 1,
      datensatzid: 1,
    },
    minScore: 4,
    columns: {
      'Record ID': 'ignore: the HubSpot record id',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Email: 'person.email:work',
      'Additional email addresses': 'person.email:other*',
      'Work email': 'person.email:work',
      'Phone Number': 'person.phone:work',
      'Mobile Phone Number': 'person.phone:mobile',
      'Job Title': 'person.job_title',
      'Company Name': 'organization.name',
      'Associated Company': 'organization.name',
      'Associated Company IDs': 'ignore: HubSpot record ids',
      'Primary Associated Company ID': 'ignore: a HubSpot record id',
      'Date of birth': 'person.birthday',
      Message: 'lead.note',
      'Street Address': 'person.postal_address.street',
      City: 'person.postal_address.city',
      'State/Region': 'person.postal_address.state',
      'Postal Code': 'person.postal_address.postal_code',
      'Country/Region': 'person.postal_address.country',
      'Website URL': 'organization.website',
      Industry: 'organization.industry',
      'Number of Employees': 'organization.employee_count',
      'Annual Revenue': 'organization.annual_revenue',
      'Contact owner':
        "ignore: a HubSpot user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lifecycle Stage': 'ignore: the HubSpot lifecycle stage: a Pipedrive lead has none',
      'Lead Status': 'ignore: the HubSpot lead status: a Pipedrive lead has none',
      'Create Date': "ignore: HubSpot's creation date: Pipedrive sets its own",
      'Last Activity Date': "ignore: HubSpot's last activity date",
      'Marketing contact status': 'ignore: HubSpot marketing billing status, not consent',
      // The German labels (an export by a user whose HubSpot language is German), meaning what the English ones do:
      // the address is the contact's own, as above, and `Kontaktinhaber` a HubSpot login, not a Pipedrive user.
      'Datensatz-ID': 'ignore: the HubSpot record id',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      'E-Mail': 'person.email:work',
      'Zusätzliche E-Mail-Adressen': 'person.email:other*',
      Telefonnummer: 'person.phone:work',
      Handynummer: 'person.phone:mobile',
      Mobiltelefonnummer: 'person.phone:mobile',
      Jobbezeichnung: 'person.job_title',
      Stellenbezeichnung: 'person.job_title',
      Berufsbezeichnung: 'person.job_title',
      Firmenname: 'organization.name',
      Unternehmensname: 'organization.name',
      'Zugeordnetes Unternehmen': 'organization.name',
      'IDs der zugeordneten Unternehmen': 'ignore: HubSpot record ids',
      Geburtsdatum: 'person.birthday',
      Nachricht: 'lead.note',
      Adresse: 'person.postal_address.street',
      Straße: 'person.postal_address.street',
      Stadt: 'person.postal_address.city',
      Ort: 'person.postal_address.city',
      'Bundesland/Region': 'person.postal_address.state',
      'Bundesland/Kanton': 'person.postal_address.state',
      Bundesland: 'person.postal_address.state',
      PLZ: 'person.postal_address.postal_code',
      Postleitzahl: 'person.postal_address.postal_code',
      'Land/Region': 'person.postal_address.country',
      Land: 'person.postal_address.country',
      'Website-URL': 'organization.website',
      Branche: 'organization.industry',
      'Anzahl der Mitarbeiter': 'organization.employee_count',
      'Anzahl der Mitarbeitenden': 'organization.employee_count',
      Mitarbeiterzahl: 'organization.employee_count',
      Jahresumsatz: 'organization.annual_revenue',
      Kontaktinhaber:
        "ignore: a HubSpot user (a login of HubSpot's), who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Zuständiger Mitarbeiter':
        "ignore: a HubSpot user (a login of HubSpot's), who need not be a Pipedrive user",
      'Lifecycle-Phase': 'ignore: the HubSpot lifecycle stage: a Pipedrive lead has none',
      Lebenszyklusphase: 'ignore: the HubSpot lifecycle stage: a Pipedrive lead has none',
      'Lead-Status': 'ignore: the HubSpot lead status: a Pipedrive lead has none',
      Erstellungsdatum: "ignore: HubSpot's creation date: Pipedrive sets its own",
      Erstelldatum: "ignore: HubSpot's creation date: Pipedrive sets its own",
      'Datum der letzten Aktivität': "ignore: HubSpot's last activity date",
    },
  },
  {
    // A companies export (the Companies index, a view's columns): a row is a company, no person.
    id: 'hubspot-companies',
    name: 'HubSpot companies',
    fingerprint: { companyowner: 5, companydomainname: 2, recordid: 1, lastactivitydate: 1 },
    minScore: 6,
    columns: {
      'Record ID': 'ignore: the HubSpot record id',
      'Company name': 'organization.name',
      'Company Domain Name': 'organization.website',
      'Website URL': 'organization.website',
      'LinkedIn Company Page': 'organization.linkedin',
      'Street Address': 'organization.address.street',
      'Street Address 2': 'organization.address.street',
      City: 'organization.address.city',
      'State/Region': 'organization.address.state',
      'Postal Code': 'organization.address.postal_code',
      'Country/Region': 'organization.address.country',
      Industry: 'organization.industry',
      'Number of Employees': 'organization.employee_count',
      'Annual Revenue': 'organization.annual_revenue',
      Description: 'lead.note',
      'Phone Number': "ignore: the company's phone: Pipedrive organizations have no phone field",
      'Company owner':
        "ignore: a HubSpot user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lifecycle Stage': 'ignore: the HubSpot lifecycle stage: a Pipedrive lead has none',
      'Lead Status': 'ignore: the HubSpot lead status: a Pipedrive lead has none',
      'Create Date': "ignore: HubSpot's creation date: Pipedrive sets its own",
      'Last Activity Date': "ignore: HubSpot's last activity date",
    },
  },
  {
    id: 'zoho',
    name: 'Zoho CRM',
    fingerprint: {
      designation: 3,
      leadownerid: 3,
      createdbyid: 2,
      modifiedbyid: 2,
      isconverted: 1,
      leadname: 2,
      secondaryemail: 2,
      emailoptout: 1,
      skypeid: 3,
      zipcode: 1,
      noofemployees: 1,
      createdtime: 2,
      modifiedtime: 2,
      leadowner: 1,
      recordid: 1,
      // An export by a user whose Zoho language is German: Zoho writes its field labels in that language, its lookups
      // still as `<label>.id` then the name.
      leadeigentümerid: 3,
      leadbesitzerid: 3,
      leadinhaberid: 3,
      erstelltvonid: 2,
      geändertvonid: 2,
      sekundäreemail: 2,
      erstellungszeit: 1,
      änderungszeit: 1,
    },
    minScore: 4,
    columns: {
      'Record Id': 'ignore: the Zoho record id',
      'Lead Owner':
        "ignore: a Zoho user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lead Owner.id': 'ignore: a Zoho user id',
      'Created By': 'ignore: a Zoho user',
      'Created By.id': 'ignore: a Zoho user id',
      'Modified By': 'ignore: a Zoho user',
      'Modified By.id': 'ignore: a Zoho user id',
      'Is Converted': 'ignore: a Zoho flag',
      Company: 'organization.name',
      Salutation: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Full Name': 'person.name',
      'Lead Name': 'person.name',
      Title: 'person.job_title',
      Designation: 'person.job_title',
      Email: 'person.email:work',
      'Secondary Email': 'person.email:other',
      Phone: 'person.phone:work',
      Mobile: 'person.phone:mobile',
      Fax: 'ignore: a fax number: not imported',
      Website: 'organization.website',
      Industry: 'organization.industry',
      'No. of Employees': 'organization.employee_count',
      'Annual Revenue': 'organization.annual_revenue',
      Street: 'organization.address.street',
      City: 'organization.address.city',
      State: 'organization.address.state',
      'Zip Code': 'organization.address.postal_code',
      Country: 'organization.address.country',
      Description: 'lead.note',
      'Email Opt Out': 'person.email_opt_out',
      'Lead Source':
        'ignore: the Zoho lead source: Pipedrive\'s source channel takes its own options; map it (lead: { channel: "Lead Source" }) if the names match',
      'Lead Status': 'ignore: the Zoho lead status: a Pipedrive lead has none',
      Rating: 'ignore: the Zoho rating (Acquired, Active, …) names no Pipedrive lead label',
      'Skype ID': 'ignore: Pipedrive persons have no Skype field; map it to a custom person field to keep it',
      Twitter: 'ignore: Pipedrive persons have no Twitter field; map it to a custom person field to keep it',
      Tag: 'ignore: Zoho tags: map them (lead: { labels: Tag }) if they name Pipedrive lead labels',
      'Created Time': "ignore: Zoho's creation date: Pipedrive sets its own",
      'Modified Time': "ignore: Zoho's last change",
      'Last Activity Time': "ignore: Zoho's last activity date",
      // The German labels. `Titel` is Zoho's Title field, the lead's position (Zoho's salutation is `Anrede`, a column
      // of its own), not the academic title a German sheet's `Titel` is. The owner is a Zoho login, not a Pipedrive user.
      'Datensatz-ID': 'ignore: the Zoho record id',
      'Lead-Eigentümer':
        "ignore: a Zoho user (a login of Zoho's), who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lead-Besitzer':
        "ignore: a Zoho user (a login of Zoho's), who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lead-Inhaber':
        "ignore: a Zoho user (a login of Zoho's), who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Lead-Eigentümer.id': 'ignore: a Zoho user id',
      'Lead-Besitzer.id': 'ignore: a Zoho user id',
      'Lead-Inhaber.id': 'ignore: a Zoho user id',
      'Erstellt von': 'ignore: a Zoho user',
      'Erstellt von.id': 'ignore: a Zoho user id',
      'Geändert von': 'ignore: a Zoho user',
      'Geändert von.id': 'ignore: a Zoho user id',
      'Ist konvertiert': 'ignore: a Zoho flag',
      Unternehmen: 'organization.name',
      Anrede: 'ignore: a salutation (Herr, Frau, Dr.): Pipedrive persons have no salutation field',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      'Lead-Name': 'person.name',
      Titel: 'person.job_title',
      'E-Mail': 'person.email:work',
      'Sekundäre E-Mail': 'person.email:other',
      Telefon: 'person.phone:work',
      Mobil: 'person.phone:mobile',
      Mobiltelefon: 'person.phone:mobile',
      Branche: 'organization.industry',
      'Anzahl Mitarbeiter': 'organization.employee_count',
      'Anzahl der Mitarbeiter': 'organization.employee_count',
      Jahresumsatz: 'organization.annual_revenue',
      Straße: 'organization.address.street',
      Ort: 'organization.address.city',
      Stadt: 'organization.address.city',
      Bundesland: 'organization.address.state',
      PLZ: 'organization.address.postal_code',
      Postleitzahl: 'organization.address.postal_code',
      Land: 'organization.address.country',
      Beschreibung: 'lead.note',
      'E-Mail-Opt-out': 'person.email_opt_out',
      'Lead-Quelle':
        'ignore: the Zoho lead source: Pipedrive\'s source channel takes its own options; map it (lead: { channel: "Lead-Quelle" }) if the names match',
      'Lead-Status': 'ignore: the Zoho lead status: a Pipedrive lead has none',
      Bewertung: 'ignore: the Zoho rating names no Pipedrive lead label',
      Erstellungszeit: "ignore: Zoho's creation date: Pipedrive sets its own",
      Änderungszeit: "ignore: Zoho's last change",
      'Letzte Aktivitätszeit': "ignore: Zoho's last activity date",
    },
  },
  {
    id: 'apollo',
    name: 'Apollo',
    fingerprint: {
      companynameforemails: 3,
      emailstatus: 2,
      seniority: 2,
      departments: 2,
      workdirectphone: 3,
      corporatephone: 2,
      personlinkedinurl: 3,
      companylinkedinurl: 2,
      apollocontactid: 3,
      apolloaccountid: 3,
    },
    minScore: 4,
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Name: 'person.name',
      Title: 'person.job_title',
      Company: 'organization.name',
      'Company Name': 'organization.name',
      'Company Name for Emails':
        "ignore: Apollo's short company name for email templates (Company is the name)",
      Email: 'person.email:work',
      'Secondary Email': 'person.email:other',
      'Tertiary Email': 'person.email:other',
      'Work Direct Phone': 'person.phone:work',
      'First Phone': 'person.phone:work',
      'Mobile Phone': 'person.phone:mobile',
      'Home Phone': 'person.phone:home',
      'Other Phone': 'person.phone:other',
      'Corporate Phone': 'person.phone:work',
      'Company Phone': "ignore: the company's switchboard: Pipedrive organizations have no phone field",
      'Email Status': "ignore: Apollo's email verification status",
      'Primary Email Source': "ignore: Apollo's email verification record",
      'Email Confidence': "ignore: Apollo's email verification record",
      'Primary Email Catch-all Status': "ignore: Apollo's email verification record",
      'Primary Email Last Verified At': "ignore: Apollo's email verification record",
      'Secondary Email Source': "ignore: Apollo's email verification record",
      'Tertiary Email Source': "ignore: Apollo's email verification record",
      Seniority: 'ignore: Apollo seniority: map it to a custom person field to keep it',
      Departments: 'ignore: Apollo departments: map it to a custom person field to keep it',
      'Sub Departments': 'ignore: Apollo departments: map it to a custom person field to keep it',
      'Contact Owner':
        "ignore: an Apollo user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Account Owner':
        "ignore: an Apollo user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      Stage: 'ignore: the Apollo stage: a Pipedrive lead has none',
      Lists: 'ignore: Apollo lists',
      'Last Contacted': "ignore: Apollo's last contact date",
      '# Employees': 'organization.employee_count',
      Industry: 'organization.industry',
      Keywords: 'ignore: Apollo keywords',
      'Person Linkedin Url': PERSON_LINKEDIN,
      Website: 'organization.website',
      'Company Linkedin Url': 'organization.linkedin',
      'Facebook Url': 'ignore: not imported',
      'Twitter Url': 'ignore: not imported',
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      Country: 'person.postal_address.country',
      'Company Address': 'organization.address',
      'Company Street': 'organization.address.street',
      'Company City': 'organization.address.city',
      'Company State': 'organization.address.state',
      'Company Postal Code': 'organization.address.postal_code',
      'Company Country': 'organization.address.country',
      'SEO Description': "ignore: the company's web description",
      Technologies: 'ignore: Apollo technologies',
      'Annual Revenue': 'organization.annual_revenue',
      'Total Funding': 'ignore: not imported',
      'Latest Funding': 'ignore: not imported',
      'Latest Funding Amount': 'ignore: not imported',
      'Last Raised At': 'ignore: not imported',
      'Email Sent': 'ignore: Apollo engagement flag',
      'Email Open': 'ignore: Apollo engagement flag',
      'Email Bounced': 'ignore: Apollo engagement flag',
      Replied: 'ignore: Apollo engagement flag',
      Demoed: 'ignore: Apollo engagement flag',
      'Number of Retail Locations': 'ignore: not imported',
      'Apollo Contact Id': 'ignore: the Apollo record id',
      'Apollo Account Id': 'ignore: the Apollo record id',
    },
  },
  {
    id: 'linkedin',
    name: 'LinkedIn connections',
    fingerprint: { connectedon: 4, url: 1, position: 1, emailaddress: 1 },
    minScore: 5,
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      URL: PERSON_LINKEDIN,
      // The member's sign-up address, usually a private one.
      'Email Address': 'person.email:other',
      Company: 'organization.name',
      Position: 'person.job_title',
      'Connected On': 'ignore: when you connected on LinkedIn',
    },
  },
  {
    id: 'google-contacts',
    name: 'Google Contacts',
    fingerprint: {
      email1value: 3,
      email1label: 2,
      email1type: 2,
      phone1value: 3,
      organizationtitle: 3,
      organization1name: 3,
      organization1title: 3,
      givenname: 1,
      familyname: 1,
      groupmembership: 3,
      fileas: 2,
      phoneticfirstname: 3,
      address1formatted: 3,
    },
    minScore: 5,
    columns: {
      Name: 'person.name',
      'First Name': 'person.first_name',
      'Given Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Family Name': 'person.last_name',
      'Middle Name': 'person.middle_name',
      'Additional Name': 'person.middle_name',
      Photo: 'ignore: a picture URL',
      'Name Prefix': 'ignore: a name prefix: Pipedrive persons have no salutation field',
      'Name Suffix': 'ignore: a name suffix: Pipedrive persons have no such field',
      Nickname: 'ignore: a nickname: not imported',
      'File As': 'ignore: how Google files the contact',
      'Organization Name': 'organization.name',
      'Organization 1 - Name': 'organization.name',
      'Organization Title': 'person.job_title',
      'Organization 1 - Title': 'person.job_title',
      'Organization Department': 'ignore: a department: map it to a custom person field to keep it',
      'Organization 1 - Department': 'ignore: a department: map it to a custom person field to keep it',
      Birthday: 'person.birthday',
      Notes: 'lead.note',
      Labels: "ignore: Google's contact groups (* myContacts ::: Starred), not lead labels",
      'Group Membership': "ignore: Google's contact groups (* myContacts), not lead labels",
    },
    patterns: [
      {
        match: /^email(\d+)value$/,
        meaning: (m, has) =>
          `person.email@${has(`email${m[1]}label`) ?? has(`email${m[1]}type`) ?? ''}`.replace(/@$/, ''),
      },
      {
        match: /^phone(\d+)value$/,
        meaning: (m, has) =>
          `person.phone@${has(`phone${m[1]}label`) ?? has(`phone${m[1]}type`) ?? ''}`.replace(/@$/, ''),
      },
      {
        match: /^(email|phone|address|website|relation|event|im)\d+(label|type)$/,
        meaning: () => 'ignore: the label of the column beside it',
      },
      { match: /^address1formatted$/, meaning: () => 'person.postal_address' },
      { match: /^address1street$/, meaning: () => 'person.postal_address.street' },
      { match: /^address1city$/, meaning: () => 'person.postal_address.city' },
      { match: /^address1region$/, meaning: () => 'person.postal_address.state' },
      { match: /^address1postalcode$/, meaning: () => 'person.postal_address.postal_code' },
      { match: /^address1country$/, meaning: () => 'person.postal_address.country' },
      {
        match: /^address\d+(pobox|extendedaddress|countrycode)$/,
        meaning: () => 'ignore: a part of an address Pipedrive does not keep',
      },
      {
        match: /^address([2-9]|\d\d+)/,
        meaning: () => 'ignore: a further address: a Pipedrive person has one postal address',
      },
      {
        // A contact's web page is the organization's when Google labels it Work.
        match: /^website1value$/,
        meaning: (_m, has) =>
          `organization.website@${has('website1label') ?? has('website1type') ?? ''}`.replace(/@$/, ''),
      },
      {
        match:
          /^(website|relation|event|im|customfield|externalid|location|hobby|sensitivity|priority|subject|language|billinginformation|directoryserver|mileage|occupation|initials|gender|photo|phonetic)/,
        meaning: () => 'ignore: not a Pipedrive person or organization field',
      },
      // The older export's (README 89): the Japanese readings of the names (`Yomi Name`, `Given Name Yomi`…),
      // `Short Name`, `Maiden Name`, and the organization's parts no Pipedrive field takes.
      {
        match: /yomi|^(shortname|maidenname)$/,
        meaning: () =>
          'ignore: another form of a name (its Japanese reading, a short or maiden name): Pipedrive keeps one name',
      },
      {
        match: /^organization\d+(type|symbol|jobdescription)$/,
        meaning: () =>
          "ignore: the kind, stock symbol or job description of the person's organization: no Pipedrive field",
      },
      {
        match: /^organization\d+location$/,
        meaning: () =>
          'ignore: where in the organization the person sits (an office, a floor), not an address',
      },
    ],
  },
  {
    id: 'outlook',
    name: 'Outlook',
    fingerprint: {
      email2address: 3,
      email3address: 3,
      businessphone: 2,
      businessstreet: 3,
      homestreet: 3,
      businesscountryregion: 3,
      givenyomi: 3,
      surnameyomi: 3,
      companyyomi: 3,
      officelocation: 2,
      managersname: 3,
      assistantsname: 3,
      // Outlook in German, French, Spanish and Dutch (OUTLOOK_NAMES).
      email2adresse: 3,
      emailangezeigtername: 3,
      straßegeschäftlich: 3,
      straßeprivat: 3,
      landregiongeschäftlich: 3,
      adressedemessagerie2: 3,
      nomcompletdeladressedemessagerie: 3,
      ruebureau: 3,
      ruedomicile: 3,
      paysrégionbureau: 3,
      direccióndecorreoelectrónico2: 3,
      nombredepantalladecorreoelectrónico: 3,
      calledeltrabajo: 3,
      paísoregióndeltrabajo: 3,
      emailadres2: 3,
      weergavenaamvooremail: 3,
      werkadresstraat: 3,
      huisadresstraat: 3,
      landregiowerk: 3,
    },
    minScore: 5,
    columns: { ...OUTLOOK_COLUMNS, ...outlookLocalised() },
    repeated: OUTLOOK_REPEATED,
    patterns: OUTLOOK_PATTERNS,
  },
  {
    id: 'mailchimp',
    name: 'Mailchimp',
    fingerprint: {
      memberrating: 3,
      optintime: 3,
      optinip: 3,
      confirmtime: 3,
      leid: 3,
      euid: 3,
      gmtoff: 2,
      dstoff: 2,
      lastchanged: 2,
    },
    minScore: 5,
    columns: {
      // A subscriber's own address and phone, work or not.
      'Email Address': 'person.email:other',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Address: 'person.postal_address',
      'Phone Number': 'person.phone:other',
      Company: 'organization.name',
      Birthday: 'ignore: Mailchimp birthdays have no year (MM/DD), and Pipedrive needs one',
      NOTES: 'lead.note',
      TAGS: 'ignore: Mailchimp tags: map them (lead: { labels: TAGS }) if they name Pipedrive lead labels',
      UNSUB_TIME: 'person.email_opt_out',
      MEMBER_RATING: 'ignore: Mailchimp engagement rating',
      OPTIN_TIME: 'ignore: Mailchimp opt-in record',
      OPTIN_IP: 'ignore: Mailchimp opt-in record',
      CONFIRM_TIME: 'ignore: Mailchimp opt-in record',
      CONFIRM_IP: 'ignore: Mailchimp opt-in record',
      LATITUDE: 'ignore: geolocation',
      LONGITUDE: 'ignore: geolocation',
      GMTOFF: 'ignore: time zone',
      DSTOFF: 'ignore: time zone',
      TIMEZONE: 'ignore: time zone',
      CC: 'ignore: country code of the geolocation',
      REGION: 'ignore: region of the geolocation',
      LAST_CHANGED: "ignore: Mailchimp's last change",
      LEID: 'ignore: a Mailchimp id',
      EUID: 'ignore: a Mailchimp id',
      UNSUB_CAMPAIGN_TITLE: 'ignore: Mailchimp unsubscribe record',
      UNSUB_CAMPAIGN_ID: 'ignore: Mailchimp unsubscribe record',
      UNSUB_REASON: 'ignore: Mailchimp unsubscribe record',
      UNSUB_REASON_OTHER: 'ignore: Mailchimp unsubscribe record',
      CLEAN_TIME: 'ignore: Mailchimp cleaned record',
      CLEAN_CAMPAIGN_TITLE: 'ignore: Mailchimp cleaned record',
      CLEAN_CAMPAIGN_ID: 'ignore: Mailchimp cleaned record',
    },
  },
  {
    id: 'dynamics-365',
    name: 'Dynamics 365',
    // "Export to Excel" puts three hidden columns first, for re-importing into Dynamics.
    fingerprint: { donotmodifyrowchecksum: 5, donotmodifymodifiedon: 3 },
    minScore: 5,
    columns: {
      Topic: 'lead.title',
      Name: 'person.name',
      'Full Name': 'person.name',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Job Title': 'person.job_title',
      'Company Name': 'organization.name',
      Email: 'person.email:work',
      'Business Phone': 'person.phone:work',
      'Mobile Phone': 'person.phone:mobile',
      'Home Phone': 'person.phone:home',
      // A lead's address in Dynamics is its company's (the form's Company section).
      'Street 1': 'organization.address.street',
      'Street 2': 'organization.address.street',
      'Street 3': 'organization.address.street',
      City: 'organization.address.city',
      'State/Province': 'organization.address.state',
      'ZIP/Postal Code': 'organization.address.postal_code',
      'Country/Region': 'organization.address.country',
      Website: 'organization.website',
      'No. of Employees': 'organization.employee_count',
      'Annual Revenue': 'organization.annual_revenue',
      'Est. Value': 'lead.value',
      'Est. Close Date': 'lead.expected_close_date',
      Rating: 'lead.labels',
      Description: 'lead.note',
      Owner:
        "ignore: a Dynamics 365 user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names or emails are your Pipedrive users'",
      'Status Reason': 'ignore: the Dynamics 365 status reason: a Pipedrive lead has none',
      Status: 'ignore: the Dynamics 365 status: a Pipedrive lead has none',
      'Lead Source':
        'ignore: the Dynamics 365 lead source: map it (lead: { channel: "Lead Source" }) if the names match Pipedrive\'s source channels',
      'Created On': "ignore: Dynamics 365's creation date: Pipedrive sets its own",
      'Modified On': "ignore: Dynamics 365's last change",
    },
    patterns: [
      {
        match: /^donotmodify/,
        meaning: () =>
          'ignore: a hidden column of Dynamics 365 (record id, row checksum, modified on) for re-importing into Dynamics',
      },
    ],
  },
  {
    // Close's lead export: a lead is a company; its first contact in `primary_contact_*` columns.
    id: 'close',
    name: 'Close',
    fingerprint: {
      primarycontactname: 3,
      primarycontactprimaryemail: 3,
      primarycontactprimaryphone: 2,
      statuslabel: 2,
      htmlurl: 1,
      displayname: 1,
    },
    minScore: 5,
    columns: {
      display_name: 'organization.name',
      lead_name: 'organization.name',
      name: 'organization.name',
      url: 'organization.website',
      description: 'lead.note',
      primary_contact_name: 'person.name',
      primary_contact_first_name: 'person.first_name',
      primary_contact_last_name: 'person.last_name',
      primary_contact_title: 'person.job_title',
      primary_contact_primary_email: 'person.email@primary_contact_primary_email_type',
      primary_contact_other_emails: 'person.email:other*',
      primary_contact_primary_phone: 'person.phone@primary_contact_primary_phone_type',
      primary_contact_other_phones: 'person.phone:other*',
      primary_contact_primary_email_type: 'ignore: the label of primary_contact_primary_email',
      primary_contact_primary_phone_type: 'ignore: the label of primary_contact_primary_phone',
      primary_contact_primary_url:
        "ignore: the contact's web page: Pipedrive persons have no such field; map it to a custom person field to keep it",
      primary_contact_other_urls:
        "ignore: the contact's web pages: Pipedrive persons have no such field; map it to a custom person field to keep it",
      address_1_address_1: 'organization.address.street',
      address_1_address_2: 'organization.address.street',
      address_1_city: 'organization.address.city',
      address_1_state: 'organization.address.state',
      address_1_zip: 'organization.address.postal_code',
      address_1_country: 'organization.address.country',
      id: 'ignore: the Close record id',
      status_id: 'ignore: a Close status id',
      status_label: 'ignore: the Close lead status: a Pipedrive lead has none',
      html_url: 'ignore: the lead in Close',
      date_created: "ignore: Close's creation date: Pipedrive sets its own",
      date_updated: "ignore: Close's last change",
      created_by: 'ignore: a Close user',
      created_by_name: 'ignore: a Close user',
      updated_by: 'ignore: a Close user',
      updated_by_name: 'ignore: a Close user',
    },
    patterns: [
      {
        match: /^address[2-9]/,
        meaning: () => "ignore: a further address of the lead (the first is the organization's)",
      },
      {
        match:
          /^(num|first|last|next|primaryopportunity)(call|communication|completed|received|sent|sms|activity|email|incoming|lead|note|opportunity|outgoing|voicemail|task|s)|^emaillast|opportunityvaluesummary$|^(avg|max|min|total)(annual|monthly|annualized|onetime)/,
        meaning: () => "ignore: Close's activity and opportunity summaries",
      },
    ],
  },
  {
    id: 'zoominfo',
    name: 'ZoomInfo',
    fingerprint: {
      zoominfocontactid: 4,
      zoominfocompanyid: 3,
      contactaccuracyscore: 3,
      directphonenumber: 2,
      companyhqphone: 2,
      revenuein000susd: 2,
    },
    minScore: 5,
    columns: {
      'ZoomInfo Contact ID': 'ignore: the ZoomInfo record id',
      'ZoomInfo Company ID': 'ignore: the ZoomInfo record id',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Job Title': 'person.job_title',
      'Email Address': 'person.email:work',
      'Direct Phone Number': 'person.phone:work',
      'Mobile phone': 'person.phone:mobile',
      // The person's own location, then the company's.
      'Person Street': 'person.postal_address.street',
      'Person City': 'person.postal_address.city',
      'Person State': 'person.postal_address.state',
      'Person Zip Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      'Company Name': 'organization.name',
      Website: 'organization.website',
      'LinkedIn Company Profile URL': 'organization.linkedin',
      Employees: 'organization.employee_count',
      'Company Street Address': 'organization.address.street',
      'Company City': 'organization.address.city',
      'Company State': 'organization.address.state',
      'Company Zip Code': 'organization.address.postal_code',
      'Company Country': 'organization.address.country',
      'Full Address': 'organization.address',
      'Company HQ Phone': "ignore: the company's switchboard: Pipedrive organizations have no phone field",
      'Revenue (in 000s USD)':
        "ignore: in thousands of US dollars, where Pipedrive's annual revenue is the amount itself",
      'Revenue Range (in USD)': 'ignore: a range, not an amount',
      'Employee Range': 'ignore: a range (Employees has the number)',
      'Primary Industry': 'organization.industry',
      'LinkedIn Contact Profile URL': PERSON_LINKEDIN,
      'ZoomInfo Contact Profile URL': 'ignore: a ZoomInfo page',
      'ZoomInfo Company Profile URL': 'ignore: a ZoomInfo page',
      'Contact Accuracy Score': "ignore: ZoomInfo's confidence in the record",
      'Contact Accuracy Grade': "ignore: ZoomInfo's confidence in the record",
    },
  },
  {
    // Bitrix24 CRM's CSV export of leads and contacts (CRM > Leads or Contacts > ⚙ > Export to CSV), in
    // the portal's language; these are a Russian portal's. A lead is a person with a company name.
    id: 'bitrix24',
    name: 'Bitrix24',
    fingerprint: {
      названиелида: 4,
      рабочийemail: 2,
      частныйemail: 2,
      emailдлярассылок: 2,
      телефондлярассылок: 2,
      ответственный: 2,
      возможнаясумма: 2,
      дополнительноостадии: 2,
      дополнительноостатусе: 2,
      дополнительнообисточнике: 2,
      корпоративныйсайт: 2,
      типконтакта: 2,
      доступендлявсех: 2,
      рабочийтелефон: 1,
      мобильныйтелефон: 1,
    },
    minScore: 5,
    columns: {
      ID: 'ignore: the Bitrix24 record id',
      'Название лида': 'lead.title',
      Обращение: 'ignore: a salutation (г-н, г-жа): Pipedrive persons have no salutation field',
      Имя: 'person.first_name',
      // The patronymic goes into the full name, `Анна Сергеевна Смирнова` (see GENERIC_HEADERS).
      Отчество: 'person.middle_name',
      Фамилия: 'person.last_name',
      'Полное имя': 'person.name',
      'Дата рождения': 'person.birthday',
      'Рабочий телефон': 'person.phone:work',
      'Мобильный телефон': 'person.phone:mobile',
      'Домашний телефон': 'person.phone:home',
      'Другой телефон': 'person.phone:other',
      'Телефон для рассылок': 'person.phone:other',
      'Номер факса': 'ignore: a fax number: not imported',
      'Номер пейджера': 'ignore: a pager number: not imported',
      'Рабочий e-mail': 'person.email:work',
      'Частный e-mail': 'person.email:home',
      'E-mail для рассылок': 'person.email:other',
      'Другой e-mail': 'person.email:other',
      'Корпоративный сайт': 'organization.website',
      'Название компании': 'organization.name',
      // A contacts export names the contact's company here.
      Компания: 'organization.name',
      Должность: 'person.job_title',
      Комментарий: 'lead.note',
      'Возможная сумма': 'lead.value',
      Сумма: 'lead.value',
      // Bitrix24 writes the currency's name (`Российский рубль`), which the currency reading knows.
      Валюта: 'lead.currency',
      Стадия: 'ignore: the Bitrix24 lead stage: a Pipedrive lead has none (it is open until converted)',
      Статус: 'ignore: the Bitrix24 lead status: a Pipedrive lead has none (it is open until converted)',
      'Дополнительно о стадии': 'ignore: a comment on the Bitrix24 stage',
      'Дополнительно о статусе': 'ignore: a comment on the Bitrix24 status',
      Источник:
        "ignore: the Bitrix24 source: Pipedrive's source channel takes its own options; map it (lead: { channel: Источник }) if the names match",
      'Дополнительно об источнике': 'ignore: a comment on the Bitrix24 source',
      'Тип контакта':
        'ignore: the Bitrix24 contact type (client, supplier…): Pipedrive persons have no such field',
      Ответственный:
        "ignore: a Bitrix24 user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      'Кем создан': 'ignore: a Bitrix24 user',
      'Кем изменен': 'ignore: a Bitrix24 user',
      'Связанный пользователь': 'ignore: a Bitrix24 user',
      'Доступен для всех': "ignore: Bitrix24 visibility (the lead's visibility is the account's default)",
      'Дата создания': "ignore: Bitrix24's creation date: Pipedrive sets its own",
      'Дата изменения': "ignore: Bitrix24's last change",
      // A product row per line; Pipedrive leads have no products (the amount is in Возможная сумма).
      Товар: 'ignore: a product of the lead: Pipedrive leads have no products',
      Цена: 'ignore: a product price: Pipedrive leads have no products',
      Количество: 'ignore: a product quantity: Pipedrive leads have no products',
      Район: "ignore: a district: Pipedrive's address has no such part",
    },
    patterns: [
      {
        // `Контакт Telegram`, `Страница ВКонтакте`, `Личная страница`, `Микроблог Twitter`, `Другой сайт`…
        match:
          /^(контакт|страница|микроблог|личнаястраница|другойсайт|другойконтакт|онлайнчат|комментарииinstagram)/,
        meaning: () =>
          'ignore: a messenger or social page of the person: Pipedrive persons have no such field; map it to a custom person field to keep it',
      },
    ],
  },
  {
    // Lusha's contacts export: its field names (Email 1, Phone 1, Direct Phone 1, Mobile 1…), the contact's
    // country and city, the company's size as a range.
    id: 'lusha',
    name: 'Lusha',
    fingerprint: {
      lushauser: 5,
      directphone1: 2,
      mobile1: 2,
      contactlinkedinurl: 2,
      contactcountry: 1,
      companymainindustry: 2,
      companydomain: 1,
    },
    minScore: 5,
    columns: {
      'Full Name': 'person.name',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Job Title': 'person.job_title',
      Seniority: "ignore: Lusha's seniority level: map it to a custom person field to keep it",
      Department: "ignore: Lusha's department: map it to a custom person field to keep it",
      'Email 1': 'person.email:work',
      'Email 2': 'person.email:other',
      // Lusha: a number it could not tag as mobile or direct.
      'Phone 1': 'person.phone:work',
      'Phone 2': 'person.phone:work',
      'Direct Phone 1': 'person.phone:work',
      'Direct Phone 2': 'person.phone:work',
      'Mobile 1': 'person.phone:mobile',
      'Mobile 2': 'person.phone:mobile',
      'Other Phone 1': 'person.phone:other',
      'Other Phone 2': 'person.phone:other',
      'Contact LinkedIn URL': PERSON_LINKEDIN,
      'Contact City': 'person.postal_address.city',
      'Contact State': 'person.postal_address.state',
      'Contact Country': 'person.postal_address.country',
      'Contact Continent': 'ignore: a continent: the country says where',
      'Contact Country ISO 2': 'ignore: the country again, as a code',
      'Company Name': 'organization.name',
      'Company Domain': 'organization.website',
      'Company Website': 'organization.website',
      'Company Main Industry': 'organization.industry',
      'Company Industry': 'organization.industry',
      'Company Sub Industry': 'ignore: a finer industry than the one Pipedrive keeps',
      'Company LinkedIn URL': 'organization.linkedin',
      'Company City': 'organization.address.city',
      'Company State': 'organization.address.state',
      'Company Country': 'organization.address.country',
      'Lusha User': 'ignore: the Lusha user who exported the contact',
    },
  },
  {
    // Cognism's list export: the person's City, State and Country, the company's Street and Zip Code (Cognism's own
    // field definitions), Seniority and Job Function beside the person's LinkedIn URL as in Apollo's export, which
    // its headers were read as before.
    id: 'cognism',
    name: 'Cognism',
    fingerprint: {
      jobfunction: 3,
      officephone: 2,
      directphone: 2,
      zipcode: 1,
      personlinkedinurl: 1,
      companylinkedinurl: 1,
    },
    minScore: 6,
    columns: {
      'Full Name': 'person.name',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Job Title': 'person.job_title',
      Seniority: "ignore: Cognism's seniority level: map it to a custom person field to keep it",
      'Job Function': "ignore: Cognism's job function: map it to a custom person field to keep it",
      'Management Level': "ignore: Cognism's management level: map it to a custom person field to keep it",
      Email: 'person.email:work',
      'Mobile Phone': 'person.phone:mobile',
      'Direct Phone': 'person.phone:work',
      // The person's office number, as Cognism defines it (often the company's switchboard).
      'Office Phone': 'person.phone:work',
      'Person LinkedIn URL': PERSON_LINKEDIN,
      'LinkedIn URL': PERSON_LINKEDIN,
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      Country: 'person.postal_address.country',
      'Company Name': 'organization.name',
      Website: 'organization.website',
      'Company Website': 'organization.website',
      'Company Domain': 'organization.website',
      'Company LinkedIn URL': 'organization.linkedin',
      Industry: 'organization.industry',
      'Company Industry': 'organization.industry',
      'Company Size': 'organization.employee_count',
      'Company Revenue': 'organization.annual_revenue',
      // Cognism: "Street: Company's street address", "Zip Code: Company's Zip code".
      Street: 'organization.address.street',
      'Zip Code': 'organization.address.postal_code',
      'Company Street': 'organization.address.street',
      'Company City': 'organization.address.city',
      'Company State': 'organization.address.state',
      'Company Zip Code': 'organization.address.postal_code',
      'Company Country': 'organization.address.country',
    },
  },
  {
    // Brevo's (Sendinblue's) contacts export: attributes by their UPPERCASE names, `;` between them. A contact is a
    // person: the account's own CITY and COUNTRY attributes are where the contact is, not the company's address.
    // SMS and WHATSAPP are the numbers texts go to; LANDLINE_NUMBER the one its Phone app calls.
    id: 'brevo',
    name: 'Brevo',
    fingerprint: {
      emailblacklisted: 3,
      smsblacklisted: 3,
      landlinenumber: 2,
      addedtime: 2,
      modifiedtime: 1,
      contactid: 1,
      sms: 1,
      whatsapp: 1,
    },
    minScore: 6,
    columns: {
      'CONTACT ID': 'ignore: the Brevo contact id',
      EXT_ID: "ignore: the contact's id in another system of yours",
      EMAIL: 'person.email:work',
      FIRSTNAME: 'person.first_name',
      LASTNAME: 'person.last_name',
      // An account set up in French names its default attributes PRENOM and NOM.
      PRENOM: 'person.first_name',
      NOM: 'person.last_name',
      SMS: 'person.phone:mobile',
      WHATSAPP: 'person.phone:mobile',
      LANDLINE_NUMBER: 'person.phone:work',
      JOB_TITLE: 'person.job_title',
      COMPANY: 'organization.name',
      COMPANY_NAME: 'organization.name',
      WEBSITE: 'organization.website',
      ADDRESS: 'person.postal_address.street',
      CITY: 'person.postal_address.city',
      ZIP_CODE: 'person.postal_address.postal_code',
      POSTAL_CODE: 'person.postal_address.postal_code',
      COUNTRY: 'person.postal_address.country',
      NOTES: 'lead.note',
      EMAIL_BLACKLISTED: 'person.email_opt_out',
      SMS_BLACKLISTED: "ignore: Brevo's SMS opt-out: Pipedrive keeps no consent for texts",
      DOUBLE_OPT_IN: "ignore: Brevo's double opt-in confirmation",
      OPT_IN: "ignore: Brevo's opt-in flag",
      ADDED_TIME: "ignore: Brevo's creation date: Pipedrive sets its own",
      MODIFIED_TIME: "ignore: Brevo's last change",
    },
  },
  {
    // Teamleader Focus's contacts export (Contacts > Export, an Excel file), its labels in the account's language
    // (test/fixtures/real-exports/README.md: 77 Dutch, unconfirmed; 84 French, a real account's header): a contact's
    // address is the contact's own (the company has its own in the companies export), its street and house number
    // apart; `Entreprises` names every company the contact is linked to (`, ` between them, Teamleader's help centre);
    // its tags, language, gender, invoicing and dates are Teamleader's. `Teamleader ID` is written so in every language
    // (its import matches a contact by that title only).
    id: 'teamleader',
    name: 'Teamleader Focus',
    fingerprint: {
      teamleaderid: 4,
      toegevoegdop: 3,
      aanspreking: 2,
      familienaam: 2,
      taal: 1,
      geslacht: 1,
      gsm: 1,
      gemeente: 1,
      optincourriersmarketing: 3,
      optinmarketingmails: 3,
      nombredeminutesnonfacturées: 3,
      créditsprépayésrestants: 3,
      traçageprospects: 3,
      numérodelarue: 2,
      dateajoutée: 2,
      sousfonction: 2,
      décideur: 2,
      listedesprix: 1,
      entreprises: 1,
    },
    minScore: 7,
    columns: {
      'Teamleader ID': 'ignore: the Teamleader contact id',
      ID: 'ignore: the Teamleader contact id',
      Straat: 'person.postal_address.street',
      Postcode: 'person.postal_address.postal_code',
      Gemeente: 'person.postal_address.city',
      Land: 'person.postal_address.country',
      Taal: "ignore: the contact's language in Teamleader (en, fr, nl): map it to a custom person field to keep it",
      Geslacht: "ignore: the contact's gender: Pipedrive persons have no such field",
      Tags: 'ignore: Teamleader tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      'Toegevoegd op': "ignore: Teamleader's creation date: Pipedrive sets its own",
      // An account in French.
      Rue: 'person.postal_address.street',
      'Numéro de la rue': 'person.postal_address.street_number',
      'Code postal': 'person.postal_address.postal_code',
      Ville: 'person.postal_address.city',
      Province: 'person.postal_address.state',
      Pays: 'person.postal_address.country',
      // Every company the contact is linked to: the first is the lead's organization, the others go to the note.
      Entreprises: 'organization.name*',
      Société: 'organization.name',
      'Sous-fonction':
        "ignore: the contact's second function at the company: Pipedrive persons have one job title",
      Décideur: "ignore: Teamleader's decision-maker flag: map it to a custom person field to keep it",
      Langue:
        "ignore: the contact's language in Teamleader (en, fr, nl): map it to a custom person field to keep it",
      Genre: "ignore: the contact's gender: Pipedrive persons have no such field",
      'Opt-in courriers marketing':
        "ignore: Teamleader's opt-in for marketing mails, 1 or 0: map it (person: { marketing_status: … }) when it is consent to this account's emails",
      Actif: 'ignore: whether the contact is active in Teamleader (a deactivated customer is 0)',
      'Numéro de TVA du contact': "ignore: the contact's VAT number: Pipedrive persons have no such field",
      "Numéro d'identification national (Siret)":
        'ignore: a company registration number: Pipedrive persons have no such field',
      'Liste des prix': "ignore: Teamleader's invoicing (the contact's price list)",
      'Nombre de minutes non facturées': "ignore: Teamleader's time tracking (minutes not invoiced yet)",
      'Crédits prépayés restants': "ignore: Teamleader's invoicing (prepaid credits left)",
      'Conditions de paiement': "ignore: Teamleader's invoicing (the contact's payment terms)",
      'Total à facturer': "ignore: Teamleader's invoicing (the amount still to invoice)",
      'Taux horaire': "ignore: Teamleader's invoicing (the contact's hourly rate)",
      'N° Compte IBAN': 'ignore: bank details: Pipedrive has no field for them',
      'Code BIC': 'ignore: bank details: Pipedrive has no field for them',
      'ID externe': "ignore: the contact's id in another system of yours",
      'Traçage prospects': "ignore: Teamleader's lead tracking (website visits)",
      'Dernière activité': "ignore: Teamleader's last activity date",
      'Dernier rendez-vous': "ignore: Teamleader's last meeting date",
      'Date ajoutée': "ignore: Teamleader's creation date: Pipedrive sets its own",
      'Dernière modification': "ignore: Teamleader's last change",
      // The same fields in English, as Teamleader's help centre names them (support.focus.teamleader.eu).
      'Opt-in marketing mails':
        "ignore: Teamleader's opt-in for marketing mails, 1 or 0: map it (person: { marketing_status: … }) when it is consent to this account's emails",
      'Background information': 'lead.note',
      Companies: 'organization.name*',
    },
  },
  {
    // Klaviyo's profiles (a list or segment exported to CSV): a profile is a person, its address the person's
    // (`Address`, `Address 2` two street lines); `Phone Number` is the number SMS consent is for.
    id: 'klaviyo',
    name: 'Klaviyo',
    fingerprint: {
      klaviyoid: 4,
      emailmarketingconsent: 2,
      smsconsent: 2,
      stateregion: 2,
      profilecreatedon: 2,
      dateadded: 1,
    },
    minScore: 6,
    columns: {
      Email: 'person.email:work',
      'Phone Number': 'person.phone:mobile',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Organization: 'organization.name',
      Title: 'person.job_title',
      Address: 'person.postal_address.street',
      'Address 1': 'person.postal_address.street',
      'Address 2': 'person.postal_address.street',
      City: 'person.postal_address.city',
      'State / Region': 'person.postal_address.state',
      Region: 'person.postal_address.state',
      'Zip Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      'Email Marketing Consent': 'person.marketing_status',
      'SMS Consent': "ignore: Klaviyo's SMS consent: Pipedrive keeps no consent for texts",
      Source: 'ignore: how the profile came to Klaviyo',
      'Klaviyo ID': 'ignore: the Klaviyo profile id',
      'Profile Created On': "ignore: Klaviyo's creation date: Pipedrive sets its own",
      'Date Added': 'ignore: when the profile joined the list or segment',
      Latitude: "ignore: Klaviyo's estimate of the profile's location",
      Longitude: "ignore: Klaviyo's estimate of the profile's location",
      Timezone: 'ignore: a time zone',
      'IP Address': 'ignore: an IP address',
    },
  },
  {
    // ActiveCampaign's contacts export (Contacts > Export, CSV; header names unconfirmed, see the fixtures' section 65):
    // a contact is a person, its address fields (custom fields by their titles) the person's; its account (formerly
    // "organization") the company; tags, dates and the sign-up's IP ActiveCampaign's own.
    id: 'activecampaign',
    name: 'ActiveCampaign',
    fingerprint: { datecreated: 2, dateupdated: 2, ipaddress: 2, account: 2 },
    minScore: 8,
    columns: {
      Email: 'person.email:work',
      Phone: 'person.phone:work',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Account: 'organization.name',
      Organization: 'organization.name',
      'Job Title': 'person.job_title',
      Address: 'person.postal_address.street',
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      'Zip Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      Tags: 'ignore: ActiveCampaign tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      'Date Created': "ignore: ActiveCampaign's creation date: Pipedrive sets its own",
      'Date Updated': "ignore: ActiveCampaign's last change",
      'IP Address': 'ignore: the IP address the contact signed up from',
    },
  },
  {
    // Zendesk Sell's leads, a Smart List exported to CSV: a lead is "a Person or Company" (a company's lead has its
    // name in Name and no first or last name), the record id in the second column, Sell's own users and tags.
    id: 'zendesk-sell',
    name: 'Zendesk Sell leads',
    fingerprint: {
      companyname: 1,
      mobile: 1,
      region: 1,
      zip: 1,
      owner: 1,
      tags: 1,
      status: 1,
      source: 1,
      createdat: 1,
      updatedat: 1,
    },
    minScore: 10,
    columns: {
      Name: 'person.name',
      Id: 'ignore: the Zendesk Sell lead id',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Company Name': 'organization.name',
      'Organization Name': 'organization.name',
      Title: 'person.job_title',
      Email: 'person.email:work',
      Phone: 'person.phone:work',
      Mobile: 'person.phone:mobile',
      Fax: 'ignore: a fax number',
      Website: 'organization.website',
      LinkedIn: PERSON_LINKEDIN,
      Twitter: 'ignore: a Twitter handle: Pipedrive persons have no such field',
      Skype: 'ignore: a Skype name: Pipedrive persons have no such field',
      Facebook: 'ignore: a Facebook profile: Pipedrive persons have no such field',
      Street: 'organization.address.street',
      City: 'organization.address.city',
      Region: 'organization.address.state',
      Zip: 'organization.address.postal_code',
      Country: 'organization.address.country',
      Description: 'lead.note',
      Status: "ignore: Sell's lead status: a Pipedrive lead has none",
      Source: "ignore: Sell's lead source: Pipedrive's source channel takes its own options",
      Owner:
        "ignore: a Zendesk Sell user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      Tags: 'ignore: Zendesk Sell tags: map them (lead: { labels: … }) when this account has lead labels of the same names',
      'Created At': "ignore: Sell's creation date: Pipedrive sets its own",
      'Updated At': "ignore: Sell's last change",
    },
  },
  {
    // Seamless.AI's contacts export: ten numbered emails and phones, each with Seamless's confidence beside
    // it; the contact's location and the company's apart.
    id: 'seamless-ai',
    name: 'Seamless.AI',
    fingerprint: {
      contactliprofileurl: 4,
      companynamecleaned: 3,
      email1totalai: 3,
      contactphone1: 2,
      companystaffcount: 2,
      researchdate: 2,
      seamlessusername: 3,
    },
    minScore: 5,
    columns: {
      'Research Date': 'ignore: when Seamless researched the contact',
      'Contact Full Name': 'person.name',
      'First Name': 'person.first_name',
      'Middle Name': 'person.middle_name',
      'Last Name': 'person.last_name',
      Title: 'person.job_title',
      Department: "ignore: Seamless's department: map it to a custom person field to keep it",
      Seniority: "ignore: Seamless's seniority: map it to a custom person field to keep it",
      'Company Name': 'organization.name',
      'Company Name - Cleaned':
        'ignore: the company name without its legal form, for email templates (Company Name is the name)',
      Website: 'organization.website',
      'Company Website Domain': 'organization.website',
      List: 'ignore: a Seamless list',
      Lists: 'ignore: Seamless lists',
      // The same address as Email 1, which Seamless also writes.
      'Primary Email': 'person.email:work',
      Intel: 'ignore: a Seamless page',
      'Contact LI Profile URL': PERSON_LINKEDIN,
      'Personal Email': 'person.email:home',
      'Personal Email 2': 'person.email:home',
      'Personal Email 3': 'person.email:home',
      'Contact Mobile Phone': 'person.phone:mobile',
      'Contact Location': 'ignore: the city and country again, in one cell',
      'Contact City': 'person.postal_address.city',
      'Contact State': 'person.postal_address.state',
      'Contact Post Code': 'person.postal_address.postal_code',
      'Contact Country': 'person.postal_address.country',
      'Contact State Abbr': 'ignore: the state again, abbreviated',
      'Contact County': "ignore: a county: Pipedrive's address has no such part",
      'Contact Country (Alpha 2)': 'ignore: the country again, as a code',
      'Contact Country (Alpha 3)': 'ignore: the country again, as a code',
      'Contact Country - Numeric': 'ignore: the country again, as a code',
      'Company Location': 'organization.address',
      'Company Street 1': 'organization.address.street',
      'Company Street 2': 'organization.address.street',
      'Company Street 3': 'organization.address.street',
      'Company City': 'organization.address.city',
      'Company State': 'organization.address.state',
      'Company Post Code': 'organization.address.postal_code',
      'Company Country': 'organization.address.country',
      'Company State Abbr': 'ignore: the state again, abbreviated',
      'Company County': "ignore: a county: Pipedrive's address has no such part",
      'Company Country (Alpha 2)': 'ignore: the country again, as a code',
      'Company Country (Alpha 3)': 'ignore: the country again, as a code',
      'Company Country - Numeric': 'ignore: the country again, as a code',
      'Company Annual Revenue': 'organization.annual_revenue',
      'Company Revenue Range': 'ignore: a range, not an amount',
      'Company Description': "ignore: the company's own description",
      'Company Founded Date': 'ignore: the founding year: Pipedrive organizations have no such field',
      'Company Industry': 'organization.industry',
      'Company LI Profile Url': 'organization.linkedin',
      'Company LinkedIn ID': 'ignore: a LinkedIn id',
      'Company Staff Count': 'organization.employee_count',
      'Company Staff Count Range': 'ignore: a range (Company Staff Count has the number)',
      'Seamless Username': 'ignore: the Seamless user who researched the contact',
      // `Email 1` is the address Seamless rates best, the others its next guesses; `Contact Phone N` the
      // person's lines (their order in the file is kept: explicit entries, where a pattern would rank them apart).
      ...numbered('Email', (n) => (n === 1 ? 'person.email:work' : 'person.email:other')),
      ...numbered('Contact Phone', () => 'person.phone:work'),
      ...numbered('Contact Mobile Phone', () => 'person.phone:mobile'),
      ...numbered(
        'Company Phone',
        () => "ignore: the company's switchboard: Pipedrive organizations have no phone field",
      ),
    },
    patterns: [
      { match: /validation$/, meaning: () => "ignore: Seamless's verdict on the address" },
      { match: /totalai$/, meaning: () => "ignore: Seamless's confidence in the value" },
    ],
  },
  {
    // A LinkedIn Sales Navigator search, exported by PhantomBuster's "Sales Navigator Search Export": its
    // camelCase names, no email or phone.
    id: 'phantombuster-sales-navigator',
    name: 'PhantomBuster Sales Navigator export',
    fingerprint: {
      regularcompanyurl: 4,
      vmid: 3,
      linkedinprofileurl: 1,
      durationinrole: 2,
      durationincompany: 2,
      connectiondegree: 2,
      sharedconnectionscount: 2,
      isopenlink: 2,
    },
    minScore: 6,
    columns: {
      fullName: 'person.name',
      name: 'ignore: the full name again (fullName)',
      firstName: 'person.first_name',
      lastName: 'person.last_name',
      title: 'person.job_title',
      companyName: 'organization.name',
      regularCompanyUrl: 'organization.linkedin',
      industry: 'organization.industry',
      profileUrl: 'ignore: a Sales Navigator page of the person',
      linkedInProfileUrl: PERSON_LINKEDIN,
      defaultProfileUrl: 'ignore: the same LinkedIn profile as linkedInProfileUrl, by its id',
      companyId: 'ignore: a LinkedIn id',
      companyUrl: 'ignore: a Sales Navigator page of the company (regularCompanyUrl is its LinkedIn page)',
      vmid: 'ignore: a LinkedIn id',
      summary: "ignore: the profile's About text",
      titleDescription: "ignore: the profile's description of the role",
      location: PERSON_LOCATION,
      companyLocation: "ignore: LinkedIn's free-text location of the company, not an address",
      durationInRole: "ignore: LinkedIn's time in role",
      durationInCompany: "ignore: LinkedIn's time at the company",
      pastExperienceCompanyName: 'ignore: a past employer',
      pastExperienceCompanyUrl: 'ignore: a past employer',
      pastExperienceCompanyTitle: 'ignore: a past role',
      pastExperienceDate: 'ignore: a past role',
      pastExperienceDuration: 'ignore: a past role',
      connectionDegree: "ignore: LinkedIn's connection degree",
      profileImageUrl: "ignore: the profile's picture",
      sharedConnectionsCount: "ignore: LinkedIn's shared connections",
      isPremium: 'ignore: a LinkedIn flag',
      isOpenLink: 'ignore: a LinkedIn flag',
      query: 'ignore: the Sales Navigator search the row came from',
      timestamp: 'ignore: when PhantomBuster ran',
    },
  },
  {
    // Dropcontact's enriched file: the columns the team uploaded, then Dropcontact's, named as its API's enriched
    // record (developer.dropcontact.com): names with their capitals and accents put right, the company's legal name,
    // `www.linkedin.com/in/…`. Its cleaned columns are read before the team's own (`Prénom`, `Société`), which then
    // say which of Dropcontact's fills their field. With its SIREN option, the French registry's data: the
    // establishment's address (`siret_address`, `siret_zip`, `siret_city`), head count, NAF activity.
    id: 'dropcontact',
    name: 'Dropcontact enriched file',
    emailStatus: 'qualification',
    fingerprint: {
      qualification: 2,
      nbemployees: 2,
      naf5code: 2,
      naf5des: 2,
      siretaddress: 2,
      companylinkedin: 1,
      mobilephone: 1,
      civility: 1,
      job: 1,
    },
    minScore: 6,
    columns: {
      civility: 'ignore: a salutation (Mr, Mrs): Pipedrive persons have no salutation field',
      first_name: 'person.first_name',
      last_name: 'person.last_name',
      full_name: 'person.name',
      email: 'person.email:work',
      qualification: "ignore: Dropcontact's verdict on the email (nominative@pro, catch_all@pro…)",
      // "Find the phone number of the company" (Dropcontact's API documentation).
      phone: `ignore: ${COMPANY_PHONE}`,
      mobile_phone: 'person.phone:mobile',
      job: 'person.job_title',
      company: 'organization.name',
      website: 'organization.website',
      linkedin: PERSON_LINKEDIN,
      company_linkedin: 'organization.linkedin',
      siren: 'ignore: a French company registry number (SIREN)',
      siret: 'ignore: a French establishment registry number (SIRET)',
      siret_address: 'organization.address.street',
      siret_zip: 'organization.address.postal_code',
      siret_city: 'organization.address.city',
      country: 'organization.address.country',
      vat: "ignore: the company's VAT number: map it to an organization custom field to keep it",
      nb_employees: 'organization.employee_count',
      naf5_code: 'ignore: the French activity code (naf5_des is its label)',
      naf5_des: 'organization.industry',
    },
  },
  {
    // Copper's People export: each email, phone, social profile and website beside a `… Type` column saying
    // its kind (work, personal, mobile, other); custom fields as `<Name> cf_<id>`.
    id: 'copper',
    name: 'Copper',
    fingerprint: {
      phonenumbertype: 3,
      emailtype: 2,
      socialtype: 3,
      websitetype: 2,
      ownedby: 2,
      contacttype: 2,
      interactioncount: 3,
      inactivedays: 3,
      companyid: 1,
    },
    minScore: 6,
    columns: {
      'First Name': 'person.first_name',
      'Middle Name': 'person.middle_name',
      'Last Name': 'person.last_name',
      Prefix: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      Suffix: 'ignore: a name suffix: Pipedrive persons have no such field',
      Title: 'person.job_title',
      Details: 'lead.note',
      Company: 'organization.name',
      'Company Id': 'ignore: the Copper record id of the company',
      'Owned By':
        "ignore: a Copper user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      // A person's record in Copper has its own address.
      Street: 'person.postal_address.street',
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      'Postal Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      'Contact Type': "ignore: Copper's contact type (Potential Customer, Current Customer…)",
      // Copper writes a tag with the time it was added (`expo-1736200218434`): not the account's lead labels.
      Tags: 'ignore: Copper tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      'Last Contacted': "ignore: Copper's last contact date",
      'Inactive Days': 'ignore: a figure Copper counts; it follows from what is imported',
      'Interaction Count': 'ignore: a figure Copper counts; it follows from what is imported',
      'Created At': "ignore: Copper's creation date: Pipedrive sets its own",
      'Updated At': "ignore: Copper's last change",
      Email: 'person.email@Email Type',
      'Email Type': 'ignore: the kind of the email beside it',
      'Phone Number': 'person.phone@Phone Number Type',
      'Phone Number Type': 'ignore: the kind of the phone beside it',
      Social: 'ignore: a social profile of the person: Pipedrive persons have no such field',
      'Social Type': 'ignore: the kind of the profile beside it',
      Website: "ignore: the person's website: Pipedrive persons have none",
      'Website Type': 'ignore: the kind of the website beside it',
    },
    patterns: [
      { match: /^email(\d+)$/, meaning: (m) => `person.email@Email ${m[1]} Type` },
      { match: /^phonenumber(\d+)$/, meaning: (m) => `person.phone@Phone Number ${m[1]} Type` },
      {
        match: /^(email|phonenumber|social|website)\d+type$/,
        meaning: () => 'ignore: the kind of the value beside it',
      },
      {
        match: /^(social|website)\d+$/,
        meaning: () =>
          'ignore: a social profile or website of the person: Pipedrive persons have no such field',
      },
      {
        // Custom fields: `Account Type cf_675914`.
        match: /cf\d+$/,
        meaning: () =>
          'ignore: a custom field of the Copper account: map it to a Pipedrive custom field (custom_fields, person_custom_fields) to keep it',
      },
    ],
  },
  {
    // Keap's (Infusionsoft's) contacts export, in its field names: `Title` is the salutation, `Job Title` the
    // job; each `Phone N` beside its `Phone N Type` and `Phone N Ext` (the extension joins its number: see
    // extensionHeader); billing, shipping and other addresses.
    id: 'keap',
    name: 'Keap',
    fingerprint: {
      personnotes: 3,
      persontype: 3,
      billingaddressstreet1: 3,
      billingaddresszipfour: 3,
      phone1ext: 2,
      spousename: 2,
      lastupdated: 1,
    },
    minScore: 6,
    columns: {
      Id: 'ignore: the Keap record id',
      'First Name': 'person.first_name',
      'Middle Name': 'person.middle_name',
      'Last Name': 'person.last_name',
      Nickname: 'ignore: a nickname: not imported',
      Title: 'ignore: a salutation (Mr., Ms., Dr.): Pipedrive persons have no salutation field',
      Suffix: 'ignore: a name suffix: Pipedrive persons have no such field',
      Company: 'organization.name',
      'Job Title': 'person.job_title',
      Email: 'person.email:work',
      'Email 2': 'person.email:other',
      'Email 3': 'person.email:other',
      // The contact's own address; the shipping and other addresses are left out.
      'Billing Address Street 1': 'person.postal_address.street',
      'Billing Address Street 2': 'person.postal_address.street',
      'Billing Address City': 'person.postal_address.city',
      'Billing Address State': 'person.postal_address.state',
      'Billing Address Postal Code': 'person.postal_address.postal_code',
      'Billing Address Country': 'person.postal_address.country',
      'Billing Address Zip Four': 'ignore: the ZIP+4 suffix: the postal code is imported',
      Birthday: 'person.birthday',
      Anniversary: 'ignore: an anniversary: Pipedrive persons have no such field',
      'Spouse Name': 'ignore: Pipedrive persons have no such field',
      Website: 'organization.website',
      'Person Notes': 'lead.note',
      'Person Type': "ignore: Keap's contact type (Prospect, Customer…)",
      'Lead Source':
        "ignore: the Keap lead source: Pipedrive's source channel takes its own options; map it (lead: { channel: Lead Source }) if the names match",
      Tags: 'ignore: Keap tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      'Time Zone': 'ignore: a time zone: Pipedrive persons have no such field',
      'Date Created': "ignore: Keap's creation date: Pipedrive sets its own",
      'Last Updated': "ignore: Keap's last change",
      'Created By': 'ignore: a Keap user',
      'Last Updated By': 'ignore: a Keap user',
      Owner:
        "ignore: a Keap user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
    },
    patterns: [
      { match: /^fax\d+(type)?$/, meaning: () => 'ignore: a fax number: not imported' },
      {
        match: /^(shipping|other)address/,
        meaning: () => "ignore: a second address: the billing address is the contact's",
      },
    ],
  },
  {
    // Outreach's prospects export (test/fixtures/real-exports/README.md, 67): the prospect's attributes under their
    // labels, each list of addresses or numbers in one cell; `Address City`… is the prospect's own address ("the
    // prospect's city", Outreach's API), not the account's; stage, owner and tags are Outreach's.
    id: 'outreach',
    name: 'Outreach',
    fingerprint: {
      voipphones: 3,
      personalnote1: 3,
      workphones: 1,
      mobilephones: 1,
      homephones: 1,
      otherphones: 1,
      addresszip: 1,
      addressstreet: 1,
      stage: 1,
    },
    minScore: 6,
    columns: {
      'First Name': 'person.first_name',
      'Middle Name': 'person.middle_name',
      'Last Name': 'person.last_name',
      Title: 'person.job_title',
      Occupation: "ignore: Outreach's occupation beside the job title (Title)",
      Company: 'organization.name',
      Emails: 'person.email:work*',
      'Work Phones': 'person.phone:work*',
      'Mobile Phones': 'person.phone:mobile*',
      'Home Phones': 'person.phone:home*',
      'Voip Phones': 'person.phone:work*',
      'Other Phones': 'person.phone:other*',
      'Address Street': 'person.postal_address.street',
      'Address Street 2': 'person.postal_address.street',
      'Address City': 'person.postal_address.city',
      'Address State': 'person.postal_address.state',
      'Address Zip': 'person.postal_address.postal_code',
      'Address Country': 'person.postal_address.country',
      'LinkedIn URL': PERSON_LINKEDIN,
      'Time Zone': "ignore: the prospect's time zone: Pipedrive persons have no such field",
      Stage:
        "ignore: the prospect's stage in Outreach (Cold Lead, Approaching, Replied…): map it to a custom field to keep it",
      Owner:
        "ignore: an Outreach user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      Tags: 'ignore: Outreach tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      'Personal Note 1': 'lead.note',
      'Personal Note 2': 'lead.note',
      Source: 'ignore: how the prospect came into Outreach',
    },
  },
  {
    // Salesloft's people export (test/fixtures/real-exports/README.md, 68): the person's own City, State and Country
    // beside the Work City… of their company; seniority, stage, cadence, owner and tags are Salesloft's.
    id: 'salesloft',
    name: 'Salesloft',
    fingerprint: {
      jobseniority: 3,
      personstage: 3,
      cadence: 2,
      donotcontact: 2,
      workcity: 1,
      workcountry: 1,
      secondaryemailaddress: 1,
      personalemailaddress: 1,
      twitterhandle: 1,
    },
    minScore: 6,
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Email Address': 'person.email:work',
      'Secondary Email Address': 'person.email:other',
      'Personal Email Address': 'person.email:home',
      Phone: 'person.phone:work',
      'Mobile Phone': 'person.phone:mobile',
      'Home Phone': 'person.phone:home',
      Title: 'person.job_title',
      'Job Seniority':
        "ignore: Salesloft's seniority level (director, manager…): map it to a custom person field to keep it",
      'Company Name': 'organization.name',
      Account: 'organization.name',
      'Company Website': 'organization.website',
      'Company Industry': 'organization.industry',
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      Country: 'person.postal_address.country',
      'Work City': 'organization.address.city',
      'Work State': 'organization.address.state',
      'Work Country': 'organization.address.country',
      'LinkedIn URL': PERSON_LINKEDIN,
      'Twitter Handle': 'ignore: a Twitter handle: Pipedrive persons have no such field',
      'Do Not Contact': DO_NOT_CONTACT,
      'Person Stage': "ignore: the person's stage in Salesloft: map it to a custom field to keep it",
      Owner:
        "ignore: a Salesloft user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      Tags: 'ignore: Salesloft tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      Cadence: 'ignore: the Salesloft cadence the person is on',
    },
  },
  {
    // Instantly.ai's campaign leads export (test/fixtures/real-exports/README.md, 69): the lead's fields under the API's
    // names, its statuses as Instantly's numbers, `organization` the workspace's id.
    id: 'instantly',
    name: 'Instantly',
    // Its lead schema's verification_status: 1 verified, -1 invalid, -2 risky (may still work: not said, as Hunter's).
    invalidEmailStatus: { values: ['-1'], meaning: 'invalid' },
    // Its lead schema's status: 1 active, 2 paused, 3 completed, -1 bounced, -2 unsubscribed, -3 skipped. A bounce is
    // an email the campaign sent that the address's server sent back.
    bouncedStatus: { column: 'status', values: ['-1'], meaning: 'bounced' },
    fingerprint: {
      personalization: 3,
      ltintereststatus: 3,
      emailopencount: 2,
      emailreplycount: 2,
      emailclickcount: 1,
      timestampcreated: 1,
      verificationstatus: 1,
    },
    minScore: 6,
    columns: {
      personalization: PERSONAL_OPENING_LINE,
      website: 'organization.website',
      company_domain: 'organization.website',
      campaign: 'ignore: the Instantly campaign id',
      status:
        "ignore: the lead's state in the Instantly campaign (1 active, 3 completed, -1 bounced…): map it to a custom field to keep it; a row it calls bounced is said",
      lt_interest_status:
        "ignore: Instantly's interest status (1 interested, 2 meeting booked…), as a number",
      verification_status:
        "ignore: Instantly's verification of the address (1 verified, -1 invalid, -2 risky…), as a number",
      email_open_count: "ignore: the campaign's count of opened emails",
      email_reply_count: "ignore: the campaign's count of replies",
      email_click_count: "ignore: the campaign's count of clicks",
      timestamp_created: "ignore: Instantly's creation date: Pipedrive sets its own",
      timestamp_updated: "ignore: Instantly's last change",
      timestamp_last_contact: "ignore: Instantly's last contact date",
      assigned_to: 'ignore: the Instantly user the lead is assigned to, by id',
    },
  },
  {
    // SuiteCRM's (SugarCRM Community Edition's) list view export, Leads (test/fixtures/real-exports/README.md, 96):
    // every column of the lead under its label, the person's two addresses (`Primary Address …`, `Alt Address …`), the
    // owner by login, SuiteCRM's ids and flags, and its map module's four columns (a geocoded `Address`).
    id: 'suitecrm',
    name: 'SuiteCRM',
    fingerprint: {
      nonprimaryemails: 4,
      altaddressstreet: 2,
      altaddresspostalcode: 2,
      primaryaddresspostalcode: 1,
      lawfulbasisdatereviewed: 2,
      geocodestatus: 1,
      portalapplication: 1,
      leadsourcedescription: 1,
      reportstoid: 1,
    },
    minScore: 6,
    columns: {
      ID: 'ignore: the SuiteCRM record id',
      Salutation: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Job Title': 'person.job_title',
      Title: 'person.job_title',
      Department: "ignore: the person's department: map it to a custom person field to keep it",
      'Account Name': 'organization.name',
      'Account Description': "ignore: the company's description in SuiteCRM",
      Website: 'organization.website',
      'Email Address': 'person.email:work',
      'Non Primary E-mails': 'person.email:other*',
      Mobile: 'person.phone:mobile',
      'Office Phone': 'person.phone:work',
      'Home Phone': 'person.phone:home',
      'Other Phone': 'person.phone:other',
      Fax: 'ignore: a fax number: not imported',
      // The person's, as a contact's (SuiteCRM's person template): converting the lead copies it to the contact's
      // primary address. The other address (`Alt`) has no place: a Pipedrive person has one.
      'Primary Address Street': 'person.postal_address.street',
      'Primary Address City': 'person.postal_address.city',
      'Primary Address State': 'person.postal_address.state',
      'Primary Address Postalcode': 'person.postal_address.postal_code',
      'Primary Address Country': 'person.postal_address.country',
      'Alt Address Street':
        "ignore: the person's other address: a Pipedrive person has one (Primary Address …)",
      'Alt Address City':
        "ignore: the person's other address: a Pipedrive person has one (Primary Address …)",
      'Alt Address State':
        "ignore: the person's other address: a Pipedrive person has one (Primary Address …)",
      'Alt Address Postalcode':
        "ignore: the person's other address: a Pipedrive person has one (Primary Address …)",
      'Alt Address Country':
        "ignore: the person's other address: a Pipedrive person has one (Primary Address …)",
      Status: 'ignore: the SuiteCRM lead status: a Pipedrive lead has none (it is open until converted)',
      'Status Description': "ignore: the SuiteCRM lead status's comment",
      'Lead Source':
        'ignore: the SuiteCRM lead source: Pipedrive\'s source channel takes its own options; map it (lead: { channel: "Lead Source" }) if the names match',
      'Lead Source Description': "ignore: the SuiteCRM lead source's comment",
      Description: 'lead.note',
      Converted: 'ignore: a SuiteCRM flag (the lead was converted there)',
      'Opportunity Name': 'ignore: the opportunity SuiteCRM made when it converted the lead, by name',
      'Opportunity Amount': 'lead.value',
      'Referred By': 'ignore: who referred the lead, by name',
      'Campaign ID': 'ignore: a SuiteCRM campaign id',
      'Portal Name': "ignore: the lead's login to the SuiteCRM portal",
      'Portal Application': 'ignore: the SuiteCRM portal',
      'Reports To ID': 'ignore: a SuiteCRM record id',
      Assistant: "ignore: the person's assistant, by name",
      'Assistant Phone': "ignore: the person's assistant's phone",
      Birthdate: 'person.birthday',
      'Contact ID': 'ignore: a SuiteCRM record id',
      'Account ID': 'ignore: a SuiteCRM record id',
      'Opportunity ID': 'ignore: a SuiteCRM record id',
      'Assigned to':
        "ignore: a SuiteCRM user's login name, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      'Assigned User': 'ignore: a SuiteCRM user id',
      'Date Created': "ignore: SuiteCRM's creation date: Pipedrive sets its own",
      'Date Modified': "ignore: SuiteCRM's last change",
      'Created By': 'ignore: a SuiteCRM user id',
      'Modified By': 'ignore: a SuiteCRM user id',
      Deleted: 'ignore: a SuiteCRM flag (0 in an export)',
      Photo: "ignore: the name of the person's photo file in SuiteCRM",
      'Lawful Basis': "ignore: SuiteCRM's GDPR record of why the lead may be contacted",
      'Lawful Basis Date Reviewed': "ignore: SuiteCRM's GDPR record",
      'Lawful Basis Source': "ignore: SuiteCRM's GDPR record",
      // The map module's: the primary address again, as it was geocoded, and its coordinates.
      Address: "ignore: SuiteCRM's map module's copy of the primary address, as geocoded",
      'Geocode Status': "ignore: SuiteCRM's map module's",
      Latitude: "ignore: SuiteCRM's map module's",
      Longitude: "ignore: SuiteCRM's map module's",
    },
  },
  {
    // vtiger CRM 7's list view export (modules/Vtiger/actions/ExportData.php; test/fixtures/real-exports/README.md,
    // 97): every field of the module under its translated label. Zoho CRM began as its fork and shares labels
    // (`Designation`, `Secondary Email`, `Created Time`); `Lead Number`, `Primary Phone`, `Last Modified By` are
    // vtiger's.
    id: 'vtiger',
    name: 'vtiger CRM',
    fingerprint: {
      leadnumber: 4,
      primaryphone: 3,
      primaryemail: 2,
      lastmodifiedby: 3,
      pobox: 2,
      designation: 2,
      secondaryemail: 1,
      createdtime: 1,
      modifiedtime: 1,
    },
    minScore: 8,
    columns: {
      Salutation: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Lead Number': "ignore: vtiger's record number (LEA1)",
      'Primary Phone': 'person.phone:work',
      Company: 'organization.name',
      'Mobile Phone': 'person.phone:mobile',
      Designation: 'person.job_title',
      Fax: 'ignore: a fax number: not imported',
      'Lead Source':
        'ignore: the vtiger lead source: Pipedrive\'s source channel takes its own options; map it (lead: { channel: "Lead Source" }) if the names match',
      'Primary Email': 'person.email:work',
      Industry: 'organization.industry',
      Website: 'organization.website',
      'Annual Revenue': 'organization.annual_revenue',
      'Lead Status': 'ignore: the vtiger lead status: a Pipedrive lead has none (it is open until converted)',
      'Number of Employees': 'organization.employee_count',
      Rating:
        "ignore: vtiger's rating of the company (Acquired, Active, Shutdown…) names no Pipedrive lead label",
      'Secondary Email': 'person.email:other',
      'Assigned To':
        "ignore: a vtiger user or group, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      'Created Time': "ignore: vtiger's creation date: Pipedrive sets its own",
      'Modified Time': "ignore: vtiger's last change",
      'Last Modified By': 'ignore: a vtiger user',
      'Created By': 'ignore: a vtiger user',
      'Email Opt Out': 'person.email_opt_out',
      'PO Box': "ignore: a PO box: Pipedrive's address has no part for it",
      Description: 'lead.note',
    },
  },
  {
    // Odoo CRM's list view export, CSV, not import-compatible (addons/web/controllers/export.py; test/fixtures/
    // real-exports/README.md, 98): the fields the user picked under their labels (crm.lead's strings). Its `Title` is
    // a salutation (res.partner.title: Madam, Mister), the job title is `Job Position`.
    id: 'odoo-crm',
    name: 'Odoo CRM',
    // Odoo's own labels weigh 3; the rest are any sales sheet's (`Contact Name, Title, Company Name, Salesperson,
    // Expected Revenue, Stage`) and together stay below the threshold: one of Odoo's own must be there.
    fingerprint: {
      salesteam: 3,
      expectedclosing: 3,
      jobposition: 1,
      salesperson: 1,
      expectedrevenue: 1,
      contactname: 1,
      companyname: 1,
    },
    minScore: 6,
    columns: {
      Opportunity: 'lead.title',
      Lead: 'lead.title',
      'Contact Name': 'person.name',
      // No `Title`: Odoo's is a salutation (Madam, Mister), read so by its values as any file's bare `Title`; a sheet
      // taken for Odoo's whose `Title` holds job titles (CEO) keeps them.
      'Job Position': 'person.job_title',
      'Company Name': 'organization.name',
      Email: 'person.email:work',
      Phone: 'person.phone:work',
      Mobile: 'person.phone:mobile',
      Website: 'organization.website',
      Salesperson:
        "ignore: an Odoo user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      'Sales Team': "ignore: Odoo's sales team",
      Stage: "ignore: Odoo's pipeline stage: a Pipedrive lead has none (it is open until converted)",
      Tags: 'lead.labels',
      'Expected Revenue': 'lead.value',
      'Expected Closing': 'lead.expected_close_date',
      Notes: 'lead.note',
      Customer:
        'ignore: the Odoo contact the lead is linked to, by name (Contact Name and Company Name have it)',
      Probability: "ignore: Odoo's probability of winning",
      Priority: "ignore: Odoo's stars",
      'Lost Reason': "ignore: why Odoo's lead was lost",
      'Created on': "ignore: Odoo's creation date: Pipedrive sets its own",
      Type: 'ignore: lead or opportunity, in Odoo',
    },
  },
  {
    // Crunchbase's companies export (a search's "Export to CSV", test/fixtures/real-exports/README.md, 95): a row per
    // company, no person; its contact email and phone number are the company's own.
    id: 'crunchbase-companies',
    name: 'Crunchbase',
    fingerprint: {
      organizationnameurl: 4,
      cbrankcompany: 4,
      headquarterslocation: 1,
      estimatedrevenuerange: 1,
      operatingstatus: 1,
      totalfundingamountinusd: 2,
      numberoffundingrounds: 1,
      top5investors: 2,
    },
    minScore: 6,
    columns: {
      'Organization Name': 'organization.name',
      'Organization Name URL': "ignore: the company's Crunchbase page",
      'Primary Industry': 'organization.industry',
      'Primary Industry URL': "ignore: the industry's Crunchbase page",
      Industries: 'organization.industry',
      'Headquarters Location': 'organization.address',
      Description: 'lead.note',
      'Full Description':
        "ignore: the company's long description (Description has its summary, kept in the note)",
      'CB Rank (Company)': "ignore: Crunchbase's rank of the company",
      'Estimated Revenue Range': "ignore: a range, not an amount (Pipedrive's annual revenue is one)",
      'Operating Status': 'ignore: whether the company is active or closed',
      'Founded Date': 'ignore: when the company was founded: Pipedrive organizations have no such field',
      'Company Type': 'ignore: for profit or non-profit',
      'Number of Employees': 'organization.employee_count',
      Website: 'organization.website',
      LinkedIn: 'organization.linkedin',
      Twitter: "ignore: the company's Twitter page: Pipedrive organizations have no such field",
      Facebook: "ignore: the company's Facebook page: Pipedrive organizations have no such field",
      // The company's, not a person's: the row names none.
      'Contact Email':
        "note(Contact email): the company's general address, no person's: Pipedrive organizations have no email field",
      'Phone Number':
        "note(Phone): the company's main number, no person's line: Pipedrive organizations have no phone field",
      Founders: "note(Founders): the company's founders, by name: no field takes them",
      'Number of Funding Rounds': "ignore: Crunchbase's funding data",
      'Total Funding Amount': "ignore: Crunchbase's funding data",
      'Total Funding Amount Currency': "ignore: Crunchbase's funding data",
      'Total Funding Amount (in USD)': "ignore: Crunchbase's funding data",
      'Last Funding Date': "ignore: Crunchbase's funding data",
      'Last Funding Type': "ignore: Crunchbase's funding data",
      'Last Funding Amount': "ignore: Crunchbase's funding data",
      'Top 5 Investors': "ignore: Crunchbase's funding data",
      'Lead Investors': "ignore: Crunchbase's funding data",
      Stage: "ignore: Crunchbase's funding stage",
    },
  },
  {
    // RocketReach's people export (test/fixtures/real-exports/README.md, 94): the employer's columns named
    // `Employer …`, the person's location in City…Country, its addresses in columns by kind (`Recommended …`) and by
    // grade (`A Emails`, `A- Emails`, `B Emails`: RocketReach validated A and A-, several a cell).
    id: 'rocketreach',
    name: 'RocketReach',
    fingerprint: {
      recommendedemail: 2,
      recommendedworkemail: 3,
      recommendedpersonalemail: 3,
      aemails: 3,
      bemails: 2,
      employerdomain: 2,
      employerwebsite: 1,
      employerlinkedin: 1,
      employerprimaryindustry: 3,
      emaillookupstatus: 3,
    },
    minScore: 6,
    columns: {
      'Profile ID': 'ignore: the RocketReach profile id',
      Name: 'person.name',
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Title: 'person.job_title',
      Employer: 'organization.name',
      'Employer Website': 'organization.website',
      'Employer Domain': 'organization.website',
      'Employer LinkedIn': 'organization.linkedin',
      'Employer Primary Industry': 'organization.industry',
      // Where the person is (the employer's address is not in the export): its parts, then the same in one text.
      City: 'person.postal_address.city',
      Region: 'person.postal_address.state',
      'Postal Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      Location: "ignore: the person's city, region and country again, in one text (City…Country have them)",
      // The address RocketReach recommends first, then by kind, then every address by its grade.
      'Recommended Email': 'person.email:work',
      'Recommended Work Email': 'person.email:work',
      'Recommended Personal Email': 'person.email:home',
      'A Emails': 'person.email:work*',
      'A- Emails': 'person.email:work*',
      'B Emails': 'person.email:work*',
      'Mobile Phone': 'person.phone:mobile',
      Phone: 'person.phone:work',
      'Office Phone': 'person.phone:work',
      'Other Phones': 'person.phone:other*',
      LinkedIn: PERSON_LINKEDIN,
      Seniority: "ignore: RocketReach's seniority level: map it to a custom person field to keep it",
      Department: "ignore: RocketReach's department: map it to a custom person field to keep it",
      'Years of Experience':
        "ignore: years since the person's first job: map it to a custom person field to keep it",
      'Skills & Endorsements':
        "ignore: the person's LinkedIn skills: map it to a custom person field to keep it",
      Tags: 'ignore: RocketReach tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      Notes: 'lead.note',
      'Email Lookup Status':
        "ignore: the state of RocketReach's lookup of the profile (complete…), not of an address",
      'Lookup Time': 'ignore: when RocketReach looked the profile up',
    },
    gradedEmails: {
      'B Emails': 'grade B, below the A and A- addresses it validated',
    },
  },
  {
    // Hunter.io's Leads export (test/fixtures/real-exports/README.md, 49): the person's own address in City…Country,
    // the company's country apart; its scores, statuses and dates are Hunter's.
    id: 'hunter',
    name: 'Hunter',
    fingerprint: {
      confidencescore: 3,
      sendingstatus: 3,
      verificationstatus: 2,
      verificationdate: 2,
      companytype: 1,
      dateoflastcontact: 2,
      dateoflastactivity: 1,
    },
    minScore: 6,
    columns: {
      'First name': 'person.first_name',
      'Last name': 'person.last_name',
      'Full name': 'person.name',
      'Job title': 'person.job_title',
      Company: 'organization.name',
      Industry: 'organization.industry',
      Department:
        "ignore: Hunter's department of the person (sales, executive…): map it to a custom person field to keep it",
      'Company size': 'organization.employee_count',
      'Company Type': "ignore: Hunter's kind of company (private, public, educational…)",
      'Email address': 'person.email:work',
      'Confidence score': "ignore: Hunter's confidence (0-100) that the address is right",
      'Company Country': 'organization.address.country',
      Website: 'organization.website',
      'LinkedIn URL': PERSON_LINKEDIN,
      'Phone number': 'person.phone:work',
      Twitter: 'ignore: a Twitter handle: Pipedrive persons have no such field',
      Notes: 'lead.note',
      Source: 'ignore: how Hunter found the lead (Domain Search, Email Finder…)',
      'Sending status': "ignore: the lead's state in Hunter's email campaigns",
      'Date of creation': "ignore: Hunter's creation date: Pipedrive sets its own",
      'Date of last update': "ignore: Hunter's last change",
      'Date of last activity': "ignore: Hunter's last activity date",
      'Date of last contact': "ignore: Hunter's last contact date",
      Owner:
        "ignore: a Hunter user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      'Postal code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      'Verification status': "ignore: Hunter's verification of the address (valid, accept_all, webmail…)",
      'Verification date': 'ignore: when Hunter verified the address',
      Tags: 'ignore: Hunter tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
    },
  },
  {
    // lemlist's campaign leads export (`GET /campaigns/{id}/export/leads`, the app's "Export leads"): camelCase
    // names, the campaign's own variables between `icebreaker` and `lastState` (README.md, 50).
    id: 'lemlist',
    name: 'lemlist',
    fingerprint: {
      icebreaker: 3,
      laststate: 3,
      emailstatus: 2,
      companydomain: 1,
      linkedinurl: 1,
      picture: 1,
    },
    minScore: 6,
    columns: {
      emailStatus: "ignore: lemlist's verification of the address (deliverable, risky, undeliverable)",
      email: 'person.email:work',
      firstName: 'person.first_name',
      lastName: 'person.last_name',
      picture: "ignore: the person's picture",
      phone: 'person.phone:work',
      linkedinUrl: PERSON_LINKEDIN,
      timezone: 'ignore: a time zone: Pipedrive persons have no such field',
      companyName: 'organization.name',
      companyDomain: 'organization.website',
      icebreaker: "note(Icebreaker): the opening line of lemlist's emails to the person: no field takes it",
      jobTitle: 'person.job_title',
      lastState:
        "ignore: the campaign's last step for the lead (emailsSent, emailsInterested…): map it to a custom field to keep it",
      status:
        "ignore: the lead's status in the lemlist campaign (interested, done…): a Pipedrive lead has none; map it to a custom field to keep it",
      _id: 'ignore: the lemlist lead id',
    },
  },
  {
    // folk CRM, a group's people exported (test/fixtures/real-exports/README.md, 78; the header as written there is
    // unconfirmed): its native fields are lists (`Emails`, `Phones`, `Addresses`, `Urls`, `Companies`, the first
    // value the primary); `Addresses` are the person's own, written whole; `Groups` are folk's.
    id: 'folk',
    name: 'folk',
    fingerprint: { addresses: 2, urls: 2, companies: 2, groups: 2, emails: 1, phones: 1, fullname: 1 },
    minScore: 8,
    columns: {
      Addresses: 'person.postal_address',
      Groups: 'ignore: the folk groups the person is in (a group is a list of contacts, not a lead label)',
    },
  },
  {
    // Freshsales's (Freshworks CRM's) contacts export: every header is `Contact : <field label>`; they are
    // matched here without that word (see withoutEntityPrefix in column-matcher.ts).
    id: 'freshsales',
    name: 'Freshsales',
    fingerprint: {
      salesaccounts: 4,
      salesowneremail: 3,
      lifecyclestage: 1,
      zipcode: 1,
      emails: 1,
      work: 1,
    },
    minScore: 5,
    columns: {
      id: 'ignore: the Freshsales record id',
      'First name': 'person.first_name',
      'Last name': 'person.last_name',
      'Job title': 'person.job_title',
      Emails: 'person.email:work',
      Work: 'person.phone:work',
      Mobile: 'person.phone:mobile',
      'Sales accounts': 'organization.name',
      'Sales account': 'organization.name',
      // The contact's own address: `Address` is its street.
      Address: 'person.postal_address.street',
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      Zipcode: 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      'Lifecycle stage': "ignore: Freshsales's lifecycle stage: a Pipedrive lead has none",
      Status: "ignore: Freshsales's contact status: a Pipedrive lead has none",
      Tags: 'ignore: Freshsales tags: map them (lead: { labels: … }) when this account has lead labels of the same names',
      Owner:
        "ignore: a Freshsales user, who need not be a Pipedrive user: map it (lead: { owner: … }) when the names are your Pipedrive users'",
      'Sales owner email':
        "ignore: a Freshsales user's email: map it (lead: { owner: … }) when the emails are your Pipedrive users'",
      'Lead source': "ignore: the Freshsales lead source: Pipedrive's source channel takes its own options",
      'Created at': "ignore: Freshsales's creation date: Pipedrive sets its own",
      'Updated at': "ignore: Freshsales's last change",
    },
  },
  {
    // Eventbrite's attendee report: one row per ticket; the order's money beside the attendee's
    // registration answers (the order form's contact fields, then the organizer's own questions).
    id: 'eventbrite',
    name: 'Eventbrite attendee report',
    repeatsPerson:
      "Eventbrite writes a row for each ticket, the buyer's details on each when the organizer asked only the buyer's",
    fingerprint: {
      attendee: 3,
      orderdate: 1,
      ordertype: 2,
      tickettype: 1,
      pricetier: 2,
      eventbritefees: 4,
      eventbritepaymentprocessing: 4,
      attendeestatus: 2,
      feespaid: 1,
    },
    minScore: 5,
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Email: 'person.email:work',
      'Job Title': 'person.job_title',
      Company: 'organization.name',
      'Cell Phone': 'person.phone:mobile',
      'Work Phone': 'person.phone:work',
      'Home Phone': 'person.phone:home',
      Website: 'organization.website',
      'Birth Date': 'person.birthday',
      'Home Address 1': 'person.postal_address.street',
      'Home Address 2': 'person.postal_address.street',
      'Home City': 'person.postal_address.city',
      'Home State': 'person.postal_address.state',
      'Home Zip': 'person.postal_address.postal_code',
      'Home Country': 'person.postal_address.country',
      'Work Address 1': 'organization.address.street',
      'Work Address 2': 'organization.address.street',
      'Work City': 'organization.address.city',
      'Work State': 'organization.address.state',
      'Work Zip': 'organization.address.postal_code',
      'Work Country': 'organization.address.country',
      Prefix: 'ignore: a salutation (Mr., Ms.): Pipedrive persons have no salutation field',
      Suffix: 'ignore: a name suffix: Pipedrive persons have no suffix field',
      Gender: 'ignore: no Pipedrive person field',
      Blog: 'ignore: no Pipedrive person field',
      'Order #': 'ignore: the Eventbrite order id',
      'Order Date': 'ignore: when the ticket was ordered: Pipedrive sets its own dates',
      Quantity: 'ignore: tickets in the order',
      'Price Tier': "ignore: the ticket's price tier",
      'Ticket Type':
        'ignore: the ticket bought: map it to a lead custom field, or use it for labels with a mapping file',
      'Attendee #': 'ignore: the Eventbrite attendee id',
      Group: 'ignore: an Eventbrite group registration',
      'Order Type': 'ignore: how the order was paid',
      // What the ticket cost is no estimate of what the lead is worth.
      Currency: 'ignore: the currency of what was paid for the ticket',
      'Total Paid': 'ignore: what the ticket cost, not what the lead may be worth',
      'Fees Paid': 'ignore: ticket fees',
      'Eventbrite Fees': 'ignore: ticket fees',
      'Eventbrite Payment Processing': 'ignore: ticket fees',
      'Attendee Status': "ignore: the ticket's state (Attending, Checked In, Refunded…)",
    },
  },
  {
    // Zoom's webinar reports (Attendee report, Registration report), the attendees' table: registration
    // form answers (Organization, Job Title, Questions & Comments…) beside Zoom's own attendance columns.
    id: 'zoom-webinar',
    name: 'Zoom webinar report',
    repeatsPerson: 'Zoom writes a row for each time a viewer joined the webinar',
    fingerprint: {
      timeinsessionminutes: 3,
      usernameoriginalname: 3,
      approvalstatus: 2,
      registrationtime: 2,
      jointime: 1,
      leavetime: 1,
      isguest: 1,
      attended: 1,
      countryregionname: 1,
    },
    minScore: 5,
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Email: 'person.email:work',
      Phone: 'person.phone:work',
      Organization: 'organization.name',
      'Job Title': 'person.job_title',
      Industry: 'organization.industry',
      // What the registrant asked when signing up: for whoever calls them.
      'Questions & Comments': 'lead.note',
      Address: 'person.postal_address.street',
      City: 'person.postal_address.city',
      'State/Province': 'person.postal_address.state',
      'Zip/Postal Code': 'person.postal_address.postal_code',
      'Country/Region': 'person.postal_address.country',
      'No. of Employees': 'ignore: a range (1-20, 21-50…), not a count',
      'Purchasing Time Frame':
        'ignore: a registration answer with no Pipedrive field: map it to a lead custom field to keep it',
      'Role in Purchase Process':
        'ignore: a registration answer with no Pipedrive field: map it to a person custom field to keep it',
      Attended: 'ignore: whether the registrant joined the webinar',
      'User Name (Original Name)':
        'ignore: the name shown in the webinar (First Name and Last Name are the registered name)',
      'User Name': 'ignore: the name shown in the webinar (First Name and Last Name are the registered name)',
      'Registration Time': 'ignore: when the person registered in Zoom: Pipedrive sets its own dates',
      'Approval Status': "ignore: Zoom's registration approval",
      'Join Time': 'ignore: webinar attendance',
      'Leave Time': 'ignore: webinar attendance',
      'Time in Session (minutes)': 'ignore: webinar attendance',
      'Is Guest': "ignore: whether the viewer was signed in to a Zoom account of the host's",
      'Country/Region Name': "ignore: where Zoom placed the viewer's connection, not an address",
      'Source Name':
        "ignore: the registration link's tracking source: map it to a lead custom field if the account has one",
    },
  },
  {
    // GoTo Webinar's (GoToWebinar's) Attendee and Registration reports, the attendees' table (under `Attendee Details`):
    // GoTo's attendance columns, its `Interest Rating`, then the registration form's answers (Organization, Job Title…).
    id: 'gotowebinar',
    name: 'GoTo Webinar report',
    repeatsPerson: 'GoTo Webinar writes a row for each session a registrant attended',
    fingerprint: {
      interestrating: 4,
      registrationdatetime: 2,
      timeinsession: 2,
      jointime: 1,
      leavetime: 1,
      attended: 1,
      unsubscribed: 1,
    },
    minScore: 5,
    // Attended, Join Time, Leave Time and Time in Session are any attendance list's: GoTo's own score is required.
    headersAsWritten: ['Interest Rating'],
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      'Email Address': 'person.email:work',
      Email: 'person.email:work',
      'Phone Number': 'person.phone:work',
      Phone: 'person.phone:work',
      Organization: 'organization.name',
      'Job Title': 'person.job_title',
      Industry: 'organization.industry',
      // What the registrant asked when signing up: for whoever calls them.
      'Questions & Comments': 'lead.note',
      'Questions and Comments': 'lead.note',
      // The registration form's address fields: the registrant's own.
      Address: 'person.postal_address.street',
      City: 'person.postal_address.city',
      State: 'person.postal_address.state',
      'Zip Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
      // The registrant unsubscribed from the organizer's webinar emails: an opt-out, kept as one.
      Unsubscribed: 'person.email_opt_out',
      'Number of Employees': 'ignore: a range (1-20, 21-50…), not a count',
      'Purchasing Time Frame':
        'ignore: a registration answer with no Pipedrive field: map it to a lead custom field to keep it',
      'Role in Purchase Process':
        'ignore: a registration answer with no Pipedrive field: map it to a person custom field to keep it',
      Attended: 'ignore: whether the registrant joined the webinar',
      'Interest Rating': "ignore: GoTo's score of the attendee's engagement in the session",
      'Registration Date/Time': 'ignore: when the person registered: Pipedrive sets its own dates',
      'Join Time': 'ignore: webinar attendance',
      'Leave Time': 'ignore: webinar attendance',
      'Time in Session': 'ignore: webinar attendance',
      'Country/Region': "ignore: where GoTo placed the viewer's connection, not an address",
      'Country/Region Name': "ignore: where GoTo placed the viewer's connection, not an address",
      Source:
        "ignore: the registration link's tracking source: map it to a lead custom field if the account has one",
    },
  },
  {
    // Microsoft Teams, a meeting's or webinar's attendance report downloaded as CSV: UTF-16LE, tab-separated, in
    // numbered sections (`1. Summary`, `2. Participants`, `3. In-Meeting activities`); the participants' table is read.
    id: 'teams-attendance',
    name: 'Microsoft Teams attendance report',
    fingerprint: {
      participantidupn: 4,
      inmeetingduration: 3,
      firstjoin: 2,
      lastleave: 2,
      role: 1,
    },
    minScore: 5,
    ownSideRows: {
      column: 'Role',
      values: ['Organizer', 'Co-organizer'],
      meaning: "the meeting's organizer",
    },
    columns: {
      Name: 'person.name',
      Email: 'person.email:work',
      'Participant ID (UPN)':
        'ignore: the Microsoft 365 sign-in name of the participant (the Email again for most; the account, not an address to write to)',
      Role: 'ignore: the role in the meeting (Organizer, Presenter, Attendee), not a job title',
      'First Join': 'ignore: meeting attendance (when the participant first joined)',
      'Last Leave': 'ignore: meeting attendance (when the participant last left)',
      'In-Meeting Duration': 'ignore: meeting attendance (how long the participant stayed)',
      'Join Time': 'ignore: meeting attendance',
      'Leave Time': 'ignore: meeting attendance',
      Duration: 'ignore: meeting attendance',
    },
  },
  {
    // Webex Meetings, a meeting's participants downloaded as CSV (`participant-….csv`): UTF-16, tab-separated, a row
    // each time someone joined, the meeting's name and times repeated on every row.
    id: 'webex-participants',
    name: 'Webex meeting participants report',
    repeatsPerson: 'Webex writes a row for each time a participant joined the meeting',
    fingerprint: {
      attendanceduration: 3,
      attendeeemail: 2,
      connectiontype: 2,
      meetingstarttime: 1,
      meetingendtime: 1,
      meetingname: 1,
      jointime: 1,
      leavetime: 1,
    },
    minScore: 5,
    ownSideRows: { column: 'Role', values: ['Host', 'Cohost', 'Co-host'], meaning: "the meeting's host" },
    columns: {
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Name: 'person.name',
      'Display Name': 'person.name',
      'Attendee Email': 'person.email:work',
      'Meeting Name': 'ignore: the meeting the report is about, the same on every row',
      'Meeting Start Time': 'ignore: when the meeting started, the same on every row',
      'Meeting End Time': 'ignore: when the meeting ended, the same on every row',
      'Session Name': 'ignore: the meeting the report is about, the same on every row',
      Role: 'ignore: the role in the meeting (Host, Attendee…), not a job title',
      'Join Time': 'ignore: meeting attendance (when the participant joined)',
      'Leave Time': 'ignore: meeting attendance (when the participant left)',
      'Attendance Duration': 'ignore: meeting attendance (how long the participant stayed)',
      'Connection Type': 'ignore: how the participant joined (the desktop app, a browser, a phone)',
    },
  },
  {
    // Gravity Forms (WordPress), Forms > Import/Export > Export Entries: the fields ticked, each input of a field of
    // several under `Label (Input)` (`Name (First)`, `Address (City)`, `Consent (Consent)`), then Gravity Forms' own
    // entry columns (GFExport::add_default_export_fields). Every value quoted, a UTF-8 BOM, LF line ends.
    id: 'gravity-forms',
    name: 'Gravity Forms entries export',
    fingerprint: {
      createdbyuserid: 4,
      sourceurl: 2,
      entrydate: 2,
      userip: 2,
      postid: 2,
      entryid: 1,
      dateupdated: 1,
      useragent: 1,
      transactionid: 1,
      paymentamount: 1,
      paymentdate: 1,
      paymentstatus: 1,
    },
    minScore: 5,
    form: true,
    columns: {
      'Created By (User Id)': 'ignore: the WordPress user who sent the form (empty for a visitor)',
      'Entry Id': "ignore: Gravity Forms' id of the entry",
      'Entry Date': 'ignore: when the form was sent: Pipedrive sets its own dates',
      'Date Updated': 'ignore: when the entry was last changed',
      'Source Url': 'ignore: the page the form was sent from: map it to a lead custom field to keep it',
      'Transaction Id': 'ignore: a payment taken with the form, not the lead',
      'Payment Amount': "ignore: a payment taken with the form, not the lead's value",
      'Payment Date': 'ignore: a payment taken with the form, not the lead',
      'Payment Status': 'ignore: a payment taken with the form, not the lead',
      'Post Id': 'ignore: the WordPress post the form created',
      'User Agent': "ignore: the visitor's browser, as the form recorded it: no field takes it",
      'User IP': "ignore: the visitor's IP address: no field takes it",
    },
    patterns: [
      {
        // A consent field under any label (`Newsletter (Consent)`): `Checked` or `Not Checked`, the box's text and its
        // description, three columns side by side.
        match: /^(.+?)(consent|text|description)$/,
        meaning: (m, has) =>
          !has(`${m[1]}consent`) || !has(`${m[1]}text`)
            ? undefined
            : m[2] === 'consent'
              ? CONSENT_BOX
              : `ignore: the ${m[2]} of the consent box beside it`,
      },
    ],
  },
  {
    // WPForms (WordPress), WPForms > Tools > Export > Export Entries (CSV): the form's fields under their labels, a
    // Name or Address field a column per part (`Name: First`, `Address: City`), then the "Additional Information"
    // ticked. PHP's fputcsv, no BOM; every value that starts with `=`, `-`, `+` or `@` gets a `'` before it.
    id: 'wpforms',
    name: 'WPForms entries export',
    fingerprint: {
      uniquegenerateduserid: 4,
      entrynotes: 3,
      viewed: 2,
      starred: 2,
      entrydate: 2,
      userip: 2,
      entryid: 1,
      useragent: 1,
      geolocationdetails: 2,
      paymentgatewayinformation: 2,
    },
    minScore: 5,
    form: true,
    columns: {
      'Entry ID': "ignore: WPForms' id of the entry",
      'Entry Date': 'ignore: when the form was sent: Pipedrive sets its own dates',
      // The site's team's notes on the entry (`November 11, 2026 9:10 am, Maria Schmidt: Called back…`): for whoever
      // works the lead next.
      'Entry Notes': 'lead.note',
      Type: "ignore: the entry's type in WPForms (completed, partial, spam)",
      // Before 1.8 (WPForms 1.7.3 to 1.7.x): the entry's status under this title.
      'Entry Status': "ignore: the entry's state in WPForms (completed, partial, abandoned)",
      Viewed: 'ignore: whether someone opened the entry in WordPress',
      Starred: 'ignore: whether someone starred the entry in WordPress',
      'User Agent': "ignore: the visitor's browser, as the form recorded it: no field takes it",
      'User IP': "ignore: the visitor's IP address: no field takes it",
      'Unique Generated User ID': "ignore: WPForms' id of the visitor's browser",
      'Geolocation Details': "ignore: where the visitor's IP address places them, not an address they gave",
      'Payment Status': 'ignore: a payment taken with the form, not the lead',
      'Payment Gateway Information': 'ignore: a payment taken with the form, not the lead',
    },
  },
  {
    // Tally's submissions downloaded as CSV: `Submission ID`, `Respondent ID`, `Submitted at` (`2024-08-11 23:25:40`),
    // then a column per question under its text (public scripts that read such downloads: fixtures' section 72).
    id: 'tally',
    name: 'Tally submissions download',
    fingerprint: { respondentid: 3, submissionid: 2, submittedat: 2 },
    minScore: 7,
    form: true,
    columns: {
      'Submission ID': "ignore: Tally's id of the submission",
      'Respondent ID': "ignore: Tally's id of the respondent (their browser)",
      'Submitted at': 'ignore: when the form was sent: Pipedrive sets its own dates',
    },
  },
  {
    // Jotform's submissions downloaded as CSV: `Submission Date`, a column per field under its label, then `Submission
    // IP`, `Submission URL`, `Submission Edit URL`, `Last Update Date`, `Submission ID` (public code that reads such
    // files: fixtures' section 73).
    id: 'jotform',
    name: 'Jotform submissions download',
    fingerprint: {
      submissionediturl: 4,
      submissionip: 3,
      lastupdatedate: 2,
      submissionurl: 2,
      submissiondate: 1,
      submissionid: 1,
    },
    minScore: 6,
    form: true,
    columns: {
      'Submission Date': 'ignore: when the form was sent: Pipedrive sets its own dates',
      'Submission IP': "ignore: the visitor's IP address: no field takes it",
      'Submission URL': "ignore: the submission's link in Jotform",
      'Submission Edit URL': 'ignore: the link to edit the submission in Jotform',
      'Last Update Date': 'ignore: when the submission was last edited',
      'Submission ID': "ignore: Jotform's id of the submission",
    },
  },
  {
    // Typeform's Results > Responses > Download (CSV): `#` (the response's token), a column per question under its
    // text (its formatting in HTML tags: `<strong>…</strong>`), a Contact Info question as `First name`, `Last name`,
    // `Phone number`, `Email`, `Company`, then Typeform's own columns. The questions go to the lead's note (a
    // header that asks, column-matcher.ts); the contact columns map by their names.
    id: 'typeform',
    name: 'Typeform responses download',
    fingerprint: { startdateutc: 3, submitdateutc: 3, networkid: 3, stagedateutc: 2, responsetype: 2 },
    minScore: 6,
    columns: {
      'Start Date (UTC)': 'ignore: when the form was opened',
      'Submit Date (UTC)': 'ignore: when the form was sent: Pipedrive sets its own dates',
      'Stage Date (UTC)': "ignore: Typeform's stage date",
      'Network ID': "ignore: Typeform's id of the network the form was sent from",
      'Response Type':
        "ignore: completed or partial (a partial response's answers are kept as far as they go)",
      Tags: "ignore: Typeform's tags of the response, not the account's lead labels",
    },
  },
  {
    // Microsoft Forms' responses (Responses > Open in Excel, saved as CSV): `ID`, `Start time`, `Completion time`,
    // `Email`, `Name`, `Last modified time`, then a column per question. `Email` and `Name` are the respondent's
    // Microsoft 365 account: `anonymous` on a form anyone can fill in (every row was refused for it), the colleague
    // who filled it in otherwise (who became the lead's person). A lead form asks for the lead's own in questions.
    id: 'microsoft-forms',
    name: 'Microsoft Forms responses',
    fingerprint: { starttime: 2, completiontime: 3, lastmodifiedtime: 2 },
    minScore: 5,
    columns: {
      ID: "ignore: the response's number in the form",
      'Start time': 'ignore: when the form was opened',
      'Completion time': 'ignore: when the form was sent: Pipedrive sets its own dates',
      'Last modified time': 'ignore: when the response was last changed',
      Email:
        "ignore: the respondent's Microsoft 365 account (anonymous on a form anyone can fill in), not the lead: the form's own questions give the lead's email",
      Name: "ignore: the respondent's Microsoft 365 account, not the lead: the form's own questions give the lead's name",
    },
  },
  {
    // Meta's lead ads (Facebook and Instagram Instant Forms), downloaded from Leads Center, Business Suite or Ads
    // Manager: a TSV in UTF-16 whatever the link says. Meta's own columns (the lead, the ad, the form), then a
    // column per question of the form: its prefill questions under fixed keys (`full_name`, `work_email`,
    // `phone_number`, `company_name`…), its own questions under their text in snake case
    // (`what_is_your_budget?`), then `inbox_url` and `lead_status`.
    id: 'meta-lead-ads',
    name: 'Meta lead ads export',
    fingerprint: {
      isorganic: 4,
      adsetid: 3,
      inboxurl: 3,
      adsetname: 2,
      formid: 2,
      formname: 2,
      adid: 1,
      adname: 1,
      campaignid: 1,
      campaignname: 1,
      createdtime: 1,
      platform: 1,
      leadstatus: 1,
    },
    minScore: 6,
    columns: {
      full_name: 'person.name',
      first_name: 'person.first_name',
      last_name: 'person.last_name',
      // `email` is prefilled with the Facebook account's address; `work_email` is a question of its own.
      work_email: 'person.email:work',
      email: 'person.email:home',
      work_phone_number: 'person.phone:work',
      phone_number: 'person.phone:mobile',
      company_name: 'organization.name',
      job_title: 'person.job_title',
      // Prefilled from the person's profile: where they live, not where the company is.
      street_address: 'person.postal_address.street',
      city: 'person.postal_address.city',
      state: 'person.postal_address.state',
      province: 'person.postal_address.state',
      zip_code: 'person.postal_address.postal_code',
      post_code: 'person.postal_address.postal_code',
      country: 'person.postal_address.country',
      id: "ignore: Meta's lead id (l:…)",
      created_time: 'ignore: when the form was sent: Pipedrive sets its own dates',
      ad_id: "ignore: the ad's id",
      ad_name: 'ignore: the ad that brought the lead: map it to a lead custom field to keep it',
      adset_id: "ignore: the ad set's id",
      adset_name: "ignore: the ad's ad set: map it to a lead custom field to keep it",
      campaign_id: "ignore: the campaign's id",
      campaign_name: 'ignore: the campaign that brought the lead: map it to a lead custom field to keep it',
      form_id: "ignore: the form's id",
      form_name: 'ignore: the form the lead sent: map it to a lead custom field to keep it',
      is_organic: 'ignore: whether the lead came without an ad (from the Page)',
      platform: 'ignore: fb or ig, where the form was sent',
      inbox_url: "ignore: a link to the conversation in Meta's inbox",
      lead_status: "ignore: the lead's state in Meta's Leads Center",
    },
    // Every other column is a question of the form: what the lead answered goes into the lead's note, for whoever
    // calls them (a Pipedrive field named like the question takes it instead).
    patterns: [{ match: /./, meaning: () => 'lead.note' }],
  },
  {
    // Calendly's Scheduled events > Export (test/fixtures/real-exports/README.md, 99): a row per invitee of each event,
    // the booking form's questions and answers as `Question N` / `Response N` pairs (an export of several event types
    // asks different questions in the same column), the guests the invitee added, the booking link's UTM parameters.
    id: 'calendly',
    name: 'Calendly events export',
    fingerprint: {
      inviteefirstname: 2,
      inviteeemail: 2,
      textremindernumber: 3,
      eventtypename: 2,
      canceledby: 2,
      inviteeuuid: 2,
      question1: 1,
      response1: 1,
    },
    minScore: 6,
    columns: {
      Location:
        'ignore: where the meeting takes place (a video link, a room or an address), not where the invitee is',
      Canceled:
        'flag(Canceled): the meeting was canceled (by the invitee or the host): the person still asked for it, and whoever calls should know',
      'Cancellation reason': 'note(Cancellation reason): why the meeting was canceled',
      'Canceled By': 'ignore: who canceled the meeting',
      'Guest Email(s)':
        "note(Guests): the people the invitee added to the meeting, not the invitee's own addresses",
      'User Name': 'ignore: the Calendly user who hosts the event (your side, not the lead)',
      'User Email': 'ignore: the Calendly user who hosts the event (your side, not the lead)',
      Team: 'ignore: the Calendly team of the host',
      'Invitee Time Zone': "ignore: the invitee's time zone",
      'Invitee accepted marketing emails':
        "ignore: Calendly's own marketing opt-in box: map it (person: { marketing_status: … }) when it is consent to this account's emails",
      'Event Type Name': 'ignore: the event type booked: map it to a lead custom field to keep it',
      'Start Date & Time': 'ignore: when the meeting is: map it to a lead custom field to keep it',
      'End Date & Time': 'ignore: when the meeting ends',
      'Event Created Date & Time': 'ignore: when the meeting was booked: Pipedrive sets its own dates',
      'UTM Campaign':
        "ignore: the booking link's UTM parameters: map them to lead custom fields to keep them",
      'UTM Source': "ignore: the booking link's UTM parameters: map them to lead custom fields to keep them",
      'UTM Medium': "ignore: the booking link's UTM parameters: map them to lead custom fields to keep them",
      'UTM Term': "ignore: the booking link's UTM parameters: map them to lead custom fields to keep them",
      'UTM Content': "ignore: the booking link's UTM parameters: map them to lead custom fields to keep them",
      'Salesforce UUID': "ignore: Calendly's Salesforce tracking id",
      'Event Price': 'ignore: what the invitee paid for the booking',
      'Payment Currency': 'ignore: what the invitee paid for the booking',
      'Invitee Reconfirmed': "ignore: Calendly's reconfirmation of the meeting",
      'Marked as No-Show': 'ignore: the host marked the invitee absent',
      Group: 'ignore: whether the event is a group event',
      'Event UUID': "ignore: Calendly's id of the event",
      'Invitee UUID': "ignore: Calendly's id of the invitee",
      'Invitee scheduled by': 'ignore: who booked for the invitee',
      'Scheduling method': 'ignore: how the meeting was booked',
    },
    // The answers go to the lead's note, each under the question its row asked (column-matcher's note headings).
    patterns: [
      {
        match: /^question\d+$/,
        meaning: () => "ignore: the booking form's question, the heading of its answer in the note",
      },
      { match: /^response\d+$/, meaning: () => 'lead.note' },
    ],
  },
  {
    // Kit's (formerly ConvertKit) Subscribers > Export (test/fixtures/real-exports/README.md, 100): its fields under its
    // API's names, `state` the subscriber's state in Kit, then the account's custom fields, then the tags.
    id: 'kit',
    name: 'Kit (ConvertKit) subscribers export',
    // A subscriber whose address bounced: Kit no longer emails it.
    bouncedStatus: { column: 'state', values: ['bounced'], meaning: 'the address bounced' },
    // All four, and as Kit writes them: `State` and `Created At` beside `First Name` and `Email Address` are any US
    // contact sheet's; only beside Kit's other names, in snake_case, is `state` a subscriber's.
    fingerprint: { firstname: 1, emailaddress: 1, state: 1, createdat: 1 },
    minScore: 4,
    headersAsWritten: ['first_name', 'email_address', 'state', 'created_at'],
    // Kit's subscriber states: unsubscribed, marked an email as spam, bounced. The safe direction only: a database's
    // users table has `state` `active` too, and a marketing status `subscribed` would let Campaigns email the person.
    marketingStatuses: {
      cancelled: 'unsubscribed',
      canceled: 'unsubscribed',
      complained: 'unsubscribed',
      bounced: 'archived',
    },
    noMarketingStatus: {
      values: ['active', 'inactive'],
      why: "Kit's subscriber state (or a users table's): not the person's consent to your marketing emails (set the marketing status in Pipedrive where you have it)",
    },
    columns: {
      state: 'person.marketing_status',
      created_at: 'ignore: when the person subscribed: Pipedrive sets its own dates',
      tags: 'ignore: Kit tags: map them (lead: { labels: tags }) when this account has lead labels of the same names',
    },
  },
  {
    // Constant Contact's Contacts > Export (test/fixtures/real-exports/README.md, 101): the address with its email status
    // and permission, the opt-out record, a phone per kind, a home and a work address as `<part> - Home`/`- Work`.
    id: 'constant-contact',
    name: 'Constant Contact contacts export',
    fingerprint: {
      emailpermissionstatus: 3,
      emailupdatesource: 2,
      confirmedoptoutdate: 2,
      streetaddressline1home: 2,
      streetaddressline1work: 2,
      emaillists: 1,
      sourcename: 1,
    },
    minScore: 5,
    // Constant Contact's email permission: asked and given, assumed from a relationship (no consent asked).
    marketingStatuses: { explicit: 'subscribed', implicit: 'no_consent' },
    columns: {
      'Email permission status': 'person.marketing_status',
      'Email update source': "ignore: who last changed the address's permission",
      'Confirmed Opt-Out Date':
        "ignore: Constant Contact's record of the opt-out (the permission status says it)",
      'Confirmed Opt-Out Source':
        "ignore: Constant Contact's record of the opt-out (the permission status says it)",
      'Confirmed Opt-Out Reason':
        "ignore: Constant Contact's record of the opt-out (the permission status says it)",
      'Street address line 1 - Home': 'person.postal_address.street',
      'Street address line 2 - Home': 'person.postal_address.street',
      'City - Home': 'person.postal_address.city',
      'State/Province - Home': 'person.postal_address.state',
      'Zip/Postal Code - Home': 'person.postal_address.postal_code',
      'Country - Home': 'person.postal_address.country',
      'Street address line 1 - Work': 'organization.address.street',
      'Street address line 2 - Work': 'organization.address.street',
      'City - Work': 'organization.address.city',
      'State/Province - Work': 'organization.address.state',
      'Zip/Postal Code - Work': 'organization.address.postal_code',
      'Country - Work': 'organization.address.country',
      Tags: 'ignore: Constant Contact tags: map them (lead: { labels: Tags }) when this account has lead labels of the same names',
      'Email Lists': "ignore: Constant Contact's mailing lists",
      'Source Name': 'ignore: how the contact came to Constant Contact',
    },
    patterns: [
      {
        match: /^customfield\d+$/,
        meaning: () =>
          "ignore: one of the account's own fields, unnamed in the export: map it to a custom field to keep it",
      },
    ],
  },
  {
    // Shopify's Customers > Export (test/fixtures/real-exports/README.md, 105): a row per customer of the shop, its
    // default address's parts (`Default Address City`; `City` before 2024), the customer's consent to the shop's
    // marketing emails and texts, what they bought, the merchant's note and tags.
    id: 'shopify',
    name: 'Shopify customers export',
    // Each generation's own names: `Accepts Email Marketing` (2022 on), `Accepts Marketing` (before), `Tax Exempt`.
    fingerprint: {
      acceptsemailmarketing: 3,
      acceptsmarketing: 3,
      acceptssmsmarketing: 2,
      taxexempt: 2,
      defaultaddresscompany: 1,
      totalspent: 1,
      totalorders: 1,
    },
    minScore: 5,
    // Accepts Marketing, Total Spent and Total Orders are any shop's order list's; every generation of Shopify's
    // export has Tax Exempt, which the consent below must not be read without.
    headersAsWritten: ['Tax Exempt'],
    // The customer's own yes or no to the shop's marketing emails, as Shopify records it (its customer import says
    // `yes` subscribes the customer): consent only in Shopify's file, and `no` says nothing of an unsubscribe.
    marketingStatuses: { yes: 'subscribed', no: 'no_consent' },
    columns: {
      'Accepts Email Marketing': 'person.marketing_status',
      'Accepts Marketing': 'person.marketing_status',
      'Accepts SMS Marketing':
        "ignore: the customer's consent to the shop's text messages: Pipedrive's marketing status is for emails",
      'Customer ID': "ignore: Shopify's id of the customer",
      // What the customer has bought is no estimate of a new deal's value, but whoever calls wants to know it.
      'Total Spent': "note(Total Spent): what the customer has spent in the shop, not the lead's value",
      'Total Orders': 'note(Total Orders): how many orders the customer has placed',
      'Tax Exempt': 'ignore: whether the shop charges the customer tax',
      // Before 2024 the export wrote the province and country by name and by code; the name is the address's.
      'Province Code': "ignore: the code of the customer's province (`Province` gives its name)",
      'Country Code': "ignore: the code of the customer's country (`Country` gives its name)",
    },
  },
  {
    // Wix's Contacts > Export (test/fixtures/real-exports/README.md, 106): a site's contacts (its customers, members,
    // who wrote through a form), numbered emails, phones and addresses, Wix's labels, the subscription statuses.
    id: 'wix',
    name: 'Wix contacts export',
    fingerprint: {
      smssubscriberstatus: 3,
      lastactivitydateutc0: 3,
      createdatutc0: 2,
      emailsubscriberstatus: 1,
      lastactivity: 1,
      address1type: 1,
    },
    minScore: 5,
    columns: {
      // A contact's addresses are the contact's own (Wix tags each home, billing, shipping or work): the first is the
      // person's also beside a company; a second one's parts are never joined to it.
      'Address 1 - Street': 'person.postal_address.street',
      'Address 1 - Street Line 2': 'person.postal_address.street',
      'Address 1 - City': 'person.postal_address.city',
      'Address 1 - State/Region': 'person.postal_address.state',
      'Address 1 - Zip': 'person.postal_address.postal_code',
      'Address 1 - Country': 'person.postal_address.country',
      'Address 1 - Type': "ignore: Wix's tag of the address (home, billing, shipping, work)",
      'SMS subscriber status':
        "ignore: the contact's consent to the site's text messages: Pipedrive's marketing status is for emails",
      'Last Activity': "ignore: the contact's last action on the site (a form, a purchase), as Wix names it",
      'Last Activity Date (UTC+0)': 'ignore: when the contact last acted on the site',
      'Created At (UTC+0)': 'ignore: when the contact came to Wix: Pipedrive sets its own dates',
      Source: 'ignore: the Wix app the contact came through (Wix Forms, Wix Stores…)',
      Language: "ignore: the contact's language on the site: no standard field",
    },
    patterns: [
      {
        // The second and later addresses: one address per person in Pipedrive.
        match: /^address(?:[2-9]|10)(?:type|street|streetline2|city|stateregion|zip|country)$/,
        meaning: () =>
          "ignore: a further address of the contact's: Pipedrive keeps one (the first, `Address 1 - …`)",
      },
    ],
  },
  {
    // WooCommerce's Analytics > Customers > Download (test/fixtures/real-exports/README.md, 107): the customers report,
    // a row per customer (guests too), with what each bought; the location is the customer's billing address's.
    id: 'woocommerce-customers-report',
    name: 'WooCommerce customers report',
    // The server's export writes `Sign Up`, `Total Spend`, `Postal Code`; the browser's the table's `Date registered`,
    // `Total spend`, `Postal code` (the same once normalised).
    fingerprint: {
      aov: 3,
      lastactive: 2,
      signup: 2,
      dateregistered: 2,
      totalspend: 2,
      countryregion: 1,
      username: 1,
    },
    minScore: 7,
    columns: {
      Username: "ignore: the customer's login on the shop",
      'Last Active': 'ignore: when the customer last ordered or logged in',
      'Sign Up': 'ignore: when the customer registered: Pipedrive sets its own dates',
      'Date registered': 'ignore: when the customer registered: Pipedrive sets its own dates',
      // What the customer has bought is no estimate of a new deal's value, but whoever calls wants to know it.
      Orders: 'note(Orders): how many orders the customer has placed',
      'Total Spend': "note(Total Spend): what the customer has spent in the shop, not the lead's value",
      AOV: 'ignore: the average order value, Total Spend divided by Orders',
    },
  },
  {
    // WooCommerce's customer fields under their own keys (`billing_company`, `billing_address_1`): the Customer/Order
    // CSV Export's customers and orders exports, WordPress user exports (test/fixtures/real-exports/README.md, 107).
    id: 'woocommerce-billing',
    name: "WooCommerce customers (WooCommerce's billing_ fields)",
    fingerprint: {
      billingcompany: 2,
      billingaddress1: 2,
      billingpostcode: 2,
      billingfirstname: 1,
      billingphone: 1,
    },
    minScore: 6,
    // Only as WooCommerce writes its keys: `Billing Company`, `Billing Address 1` are any order sheet's columns.
    headersAsWritten: ['billing_company', 'billing_address_1', 'billing_postcode'],
    columns: {
      billing_first_name: 'person.first_name',
      billing_last_name: 'person.last_name',
      billing_company: 'organization.name',
      billing_phone: 'person.phone:work',
      // The billing address: the company's where the row names one, else the person's (as any address beside a company).
      billing_address_1: 'organization.address.street',
      billing_address_2: 'organization.address.street',
      billing_city: 'organization.address.city',
      billing_state: 'organization.address.state',
      billing_postcode: 'organization.address.postal_code',
      billing_country: 'organization.address.country',
      shipping_first_name: "ignore: the name on the shipping address (the billing name is the customer's)",
      shipping_last_name: "ignore: the name on the shipping address (the billing name is the customer's)",
      shipping_company: "ignore: the company on the shipping address (the billing company is the customer's)",
      shipping_phone: 'ignore: the phone of the shipping address',
      shipping_address_1: 'ignore: the shipping address: Pipedrive keeps one address, the billing one',
      shipping_address_2: 'ignore: the shipping address: Pipedrive keeps one address, the billing one',
      shipping_city: 'ignore: the shipping address: Pipedrive keeps one address, the billing one',
      shipping_state: 'ignore: the shipping address: Pipedrive keeps one address, the billing one',
      shipping_postcode: 'ignore: the shipping address: Pipedrive keeps one address, the billing one',
      shipping_country: 'ignore: the shipping address: Pipedrive keeps one address, the billing one',
      customer_id: "ignore: WooCommerce's id of the customer",
      user_login: "ignore: the customer's login on the shop",
      user_pass: 'ignore: a password hash',
      date_registered: 'ignore: when the customer registered: Pipedrive sets its own dates',
      total_spent: "note(Total Spent): what the customer has spent in the shop, not the lead's value",
      order_count: 'note(Orders): how many orders the customer has placed',
    },
  },
  {
    // SurveyMonkey's "All responses data" export (CSV, Original View): a header of two lines (header-finder.ts), the
    // metadata columns first, then each question's text over its answers; an email invitation's recipient in `Email
    // Address`, `First Name`, `Last Name`, a Contact Information question's fields under their names (fixtures' 103).
    id: 'surveymonkey',
    name: 'SurveyMonkey responses export',
    fingerprint: { respondentid: 3, collectorid: 3, customdata1: 2, ipaddress: 1, startdate: 1, enddate: 1 },
    minScore: 6,
    form: true,
    columns: {
      'Respondent ID': "ignore: SurveyMonkey's id of the response",
      'Collector ID': 'ignore: the collector (web link, email invitation) the response came through',
      'Start Date': 'ignore: when the respondent opened the survey',
      'End Date': 'ignore: when the respondent last answered',
      'IP Address': "ignore: the respondent's IP address: no field takes it",
      // An email invitation's recipient, as the contact list has them (empty for a web link's respondent); `Email
      // Address` (and the contact question's, named with its question) read as any email column, a free-mail one home.
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      // A Contact Information question's fields: what the respondent typed.
      Name: 'person.name',
      Company: 'organization.name',
      Address: 'person.postal_address.street',
      'Address 2': 'person.postal_address.street',
      'City/Town': 'person.postal_address.city',
      'State/Province': 'person.postal_address.state',
      'ZIP/Postal Code': 'person.postal_address.postal_code',
      Country: 'person.postal_address.country',
    },
    patterns: [
      {
        match: /^customdata\d+$/,
        meaning: () =>
          'ignore: a value the survey link carried (a custom variable): map it to a custom field to keep it',
      },
    ],
  },
  {
    // Qualtrics' export of responses (CSV): three header lines (header-finder.ts), read by the second's names:
    // `Start Date`, `Response Type`, `Recipient Email`…, then each question's text (fixtures' 104).
    id: 'qualtrics',
    name: 'Qualtrics responses export',
    fingerprint: {
      responseid: 2,
      recordeddate: 3,
      responsetype: 2,
      recipientemail: 2,
      externaldatareference: 3,
      locationlatitude: 2,
      distributionchannel: 3,
    },
    minScore: 7,
    form: true,
    // The survey's owner trying it (Qualtrics' status codes: 1 preview, 2 test, 9 spam through the preview link, 17 the
    // offline app's preview): no respondent. A response flagged `Spam` (8) is a respondent's as far as the file tells.
    ownSideRows: {
      column: 'Response Type',
      values: ['Survey Preview', 'Survey Test', 'Preview Spam', 'Offline Preview', '1', '2', '9', '17'],
      meaning: "the survey's owner trying it, a preview or test response",
    },
    columns: {
      'Start Date': 'ignore: when the respondent opened the survey',
      'End Date': 'ignore: when the respondent last answered',
      'Response Type': "ignore: the kind of response (IP Address: a respondent's; Survey Preview, Spam…)",
      'IP Address': "ignore: the respondent's IP address: no field takes it",
      Progress: 'ignore: how much of the survey was answered, in per cent',
      'Duration (in seconds)': 'ignore: how long the respondent took',
      Finished: 'ignore: whether the respondent reached the end',
      'Recorded Date': 'ignore: when Qualtrics recorded the response',
      'Response ID': "ignore: Qualtrics' id of the response",
      // A file whose second line was deleted too names its columns by their ids (`Status`, `ExternalReference`).
      Status: "ignore: the kind of response (IP Address: a respondent's; Survey Preview, Spam…)",
      ExternalReference: "ignore: an id the distribution carried (the contact's in another system)",
      // An email distribution's recipient, as the contact list has them (empty for an anonymous link's respondent):
      // before what the respondent typed, which fills in where they are empty.
      'Recipient Last Name': 'person.last_name',
      'Recipient First Name': 'person.first_name',
      'Recipient Email': 'person.email',
      'External Data Reference': "ignore: an id the distribution carried (the contact's in another system)",
      'Location Latitude':
        "ignore: where Qualtrics placed the respondent's IP address, not the person's address",
      'Location Longitude':
        "ignore: where Qualtrics placed the respondent's IP address, not the person's address",
      'Distribution Channel': 'ignore: how the survey reached the respondent (anonymous link, email)',
      'User Language': 'ignore: the language the survey was shown in',
    },
  },
];

/** The entity words of Pipedrive's own export headers (`Person - Email - Work`). */
export const PIPEDRIVE_EXPORT_ENTITIES: Record<
  string,
  'lead' | 'deal' | 'person' | 'organization' | 'note' | 'activity'
> = {
  lead: 'lead',
  deal: 'deal',
  person: 'person',
  organization: 'organization',
  organisation: 'organization',
  note: 'note',
  notes: 'note',
  // Pipedrive's sample import spreadsheet has `Activity - Subject*` and `Activity - Due date`.
  activity: 'activity',
  activities: 'activity',
  // Pipedrive writes them in the account's language: pt-BR (`Pessoa - Nome`, `Organização - Nome`, `Negócio - Título`),
  // fr (`Personne - Prénom`, `Organisation - Nom`); de keeps `Person`, `Organisation` and `Deal`.
  pessoa: 'person',
  organização: 'organization',
  negócio: 'deal',
  atividade: 'activity',
  nota: 'note',
  personne: 'person',
  affaire: 'deal',
};

/**
 * Pipedrive's export of one list (People, Organizations, Leads, Deals) writes the entity's own fields without the
 * `Person - ` prefix (`"ID","Nome","Telefone - Trabalho",…,"Pessoa criada"` from a Brazilian account): a column naming
 * the entity's creation time, beside `Visible to`, tells which entity the file's columns are. The English names are
 * read by analogy with the prefixed export (`Lead - Lead created`).
 */
export const PIPEDRIVE_LIST_EXPORT_CREATED: Record<string, 'lead' | 'deal' | 'person' | 'organization'> = {
  personcreated: 'person',
  organizationcreated: 'organization',
  leadcreated: 'lead',
  dealcreated: 'deal',
  pessoacriada: 'person',
  organizaçãocriada: 'organization',
  leadcriadoem: 'lead',
  negóciocriadoem: 'deal',
};
/** Of {@link PIPEDRIVE_LIST_EXPORT_CREATED}, the names read by analogy (English), not seen in a real export. */
export const PIPEDRIVE_LIST_EXPORT_BY_ANALOGY: ReadonlySet<string> = new Set([
  'personcreated',
  'organizationcreated',
  'leadcreated',
  'dealcreated',
]);
/** The `Visible to` column every such list has, in the languages of {@link PIPEDRIVE_LIST_EXPORT_CREATED}. */
export const PIPEDRIVE_LIST_EXPORT_VISIBLE_TO: readonly string[] = ['visibleto', 'visívelpara'];

const PIPEDRIVE_LEAD_FIELDS: Record<string, Meaning> = {
  title: 'lead.title',
  value: 'lead.value',
  currency: 'lead.currency',
  currencyofvalue: 'lead.currency',
  valuecurrency: 'lead.currency',
  owner:
    "ignore: a user of the exporting account: map it (lead: { owner: … }) when the names are this account's users",
  labels: 'lead.labels',
  label: 'lead.labels',
  expectedclosedate: 'lead.expected_close_date',
  sourcechannel:
    "ignore: the exporting account's source channel: map it (lead: { channel: … }) when this account has the same channels",
  sourcechannelid: 'lead.channel_id',
  sourceorigin: 'ignore: how the lead reached the exporting account (API leads get the source API)',
  sourceoriginid: 'ignore: an id of the exporting account',
  organizationid: 'ignore: an id of the exporting account',
  contactpersonid: 'ignore: an id of the exporting account',
  visibleto: 'lead.visible_to',
  id: 'ignore: the id in the exporting account',
  source: 'ignore: the lead source, set by Pipedrive (API for imported leads)',
  creator: 'ignore: who created it in the exporting account',
  leadcreated: "ignore: the exporting account's creation date",
  dealcreated: "ignore: the exporting account's creation date",
  addtime: "ignore: the exporting account's creation date",
  updatetime: "ignore: the exporting account's last change",
  archived: 'ignore: archived leads are imported as open leads',
  nextactivitydate: 'ignore: activities are not imported',
  // The linked person's and organization's names: they fill the person and organization when the
  // file has no Person - Name or Organization - Name (a deals export with deal columns only).
  person: 'person.name',
  contactperson: 'person.name',
  organization: 'organization.name',
  status: 'ignore: a deal status: a lead has none',
  stage: 'ignore: a deal stage: a lead has none',
  pipeline: 'ignore: a deal pipeline: a lead has none',
  // pt-BR, as a Brazilian account's Leads and Deals exports name them
  título: 'lead.title',
  valor: 'lead.value',
  moeda: 'lead.currency',
  moedadevalor: 'lead.currency',
  etiquetas: 'lead.labels',
  etiqueta: 'lead.labels',
  datadefechamentoesperada: 'lead.expected_close_date',
  proprietário:
    "ignore: a user of the exporting account: map it (lead: { owner: … }) when the names are this account's users",
  criadopor: 'ignore: who created it in the exporting account',
  fonte: 'ignore: the lead source, set by Pipedrive (API for imported leads)',
  origem: 'ignore: how the lead reached the exporting account (API leads get the source API)',
  iddeorigem: 'ignore: an id of the exporting account',
  canaldeorigem:
    "ignore: the exporting account's source channel: map it (lead: { channel: … }) when this account has the same channels",
  iddocanaldeorigem: 'lead.channel_id',
  pessoadecontato: 'person.name',
  iddapessoadecontato: 'ignore: an id of the exporting account',
  organização: 'organization.name',
  iddaorganização: 'ignore: an id of the exporting account',
  leadcriadoem: "ignore: the exporting account's creation date",
  negóciocriadoem: "ignore: the exporting account's creation date",
  atualizadoem: "ignore: the exporting account's last change",
  horáriodoarquivamento: 'ignore: archived leads are imported as open leads',
  statusdearquivamento: 'ignore: archived leads are imported as open leads',
  visto: 'ignore: whether a user of the exporting account has opened the lead',
  visívelpara:
    "ignore: the visibility in the exporting account, in its language (this account's default is used)",
  próximaatividade: 'ignore: activities are not imported',
  próximaatividadeem: 'ignore: activities are not imported',
  funil: 'ignore: a deal pipeline: a lead has none',
  etapa: 'ignore: a deal stage: a lead has none',
};

/**
 * What Pipedrive counts and dates for a person or organization itself (its deals, activities, emails,
 * people): an export has them as columns, and no account has a field to take them.
 */
const PIPEDRIVE_CONTACT_FIGURES: Record<string, Meaning> = Object.fromEntries(
  [
    'people',
    'opendeals',
    'closeddeals',
    'wondeals',
    'lostdeals',
    'totalactivities',
    'doneactivities',
    'activitiestodo',
    'nextactivitydate',
    'lastactivitydate',
    'emailmessagescount',
    'lastemailreceived',
    'lastemailsent',
    // pt-BR
    'pessoas',
    'negóciosemaberto',
    'negóciosganhos',
    'negóciosperdidos',
    'negóciosfechados',
    'totaldeatividades',
    'atividadesconcluídas',
    'atividadesparafazer',
    'próximaatividadeem',
    'datadaúltimaatividade',
    'númerodemensagensdeemail',
    'últimoemailrecebido',
    'últimoemailenviado',
  ].map((name) => [
    name,
    'ignore: a figure Pipedrive counts for the contact in the exporting account (its deals, activities, emails, people); it follows from what is imported',
  ]),
);

/** Field names of Pipedrive's export headers, per entity, normalised. Others are custom fields by name. */
export const PIPEDRIVE_EXPORT_FIELDS: Record<string, Record<string, Meaning>> = {
  lead: PIPEDRIVE_LEAD_FIELDS,
  deal: PIPEDRIVE_LEAD_FIELDS,
  person: {
    ...PIPEDRIVE_CONTACT_FIGURES,
    name: 'person.name',
    firstname: 'person.first_name',
    lastname: 'person.last_name',
    email: 'person.email',
    phone: 'person.phone',
    jobtitle: 'person.job_title',
    birthday: 'person.birthday',
    postaladdress: 'person.postal_address',
    labels:
      'ignore: person labels of the exporting account: map them (person: { labels: … }) when this account has the same labels',
    label:
      'ignore: person labels of the exporting account: map them (person: { labels: … }) when this account has the same labels',
    marketingstatus: 'person.marketing_status',
    // A German account's names (`Person - E-Mail-Adresse - Büro`): Pipedrive writes them in the account's language.
    vorname: 'person.first_name',
    nachname: 'person.last_name',
    emailadresse: 'person.email',
    telefon: 'person.phone',
    telefonnummer: 'person.phone',
    geburtstag: 'person.birthday',
    // A persons export names the person's organization only here.
    organization: 'organization.name',
    organisation: 'organization.name',
    owner: "ignore: the person's owner in the exporting account (the lead's owner is used)",
    id: 'ignore: the id in the exporting account',
    notes: 'ignore: contact-sync notes of the person',
    addtime: "ignore: the exporting account's creation date",
    updatetime: "ignore: the exporting account's last change",
    visibleto: "ignore: the person's visibility (the lead's is used)",
    // pt-BR (a Brazilian account's People export): `Nome` is the whole name, as `Name` is, beside `Primeiro nome` and
    // `Sobrenome`.
    nome: 'person.name',
    primeironome: 'person.first_name',
    sobrenome: 'person.last_name',
    telefone: 'person.phone',
    cargo: 'person.job_title',
    etiqueta:
      'ignore: person labels of the exporting account: map them (person: { labels: … }) when this account has the same labels',
    etiquetas:
      'ignore: person labels of the exporting account: map them (person: { labels: … }) when this account has the same labels',
    organização: 'organization.name',
    iddaorganização: 'ignore: an id of the exporting account',
    proprietário: "ignore: the person's owner in the exporting account (the lead's owner is used)",
    pessoacriada: "ignore: the exporting account's creation date",
    atualizadoem: "ignore: the exporting account's last change",
    visívelpara: "ignore: the person's visibility (the lead's is used)",
    fotodeperfil: "ignore: the id of the person's picture in the exporting account",
    // fr (`Personne - Nom` is the whole name too; the family name is `Nom de famille`)
    nom: 'person.name',
    prénom: 'person.first_name',
    nomdefamille: 'person.last_name',
    téléphone: 'person.phone',
    propriétaire: "ignore: the person's owner in the exporting account (the lead's owner is used)",
  },
  organization: {
    ...PIPEDRIVE_CONTACT_FIGURES,
    name: 'organization.name',
    address: 'organization.address',
    website: 'organization.website',
    linkedin: 'organization.linkedin',
    linkedinprofile: 'organization.linkedin',
    industry: 'organization.industry',
    numberofemployees: 'organization.employee_count',
    employeecount: 'organization.employee_count',
    annualrevenue: 'organization.annual_revenue',
    labels:
      'ignore: organization labels of the exporting account: map them (organization: { labels: … }) when this account has the same labels',
    label:
      'ignore: organization labels of the exporting account: map them (organization: { labels: … }) when this account has the same labels',
    owner: "ignore: the organization's owner in the exporting account (the lead's owner is used)",
    id: 'ignore: the id in the exporting account',
    addtime: "ignore: the exporting account's creation date",
    updatetime: "ignore: the exporting account's last change",
    visibleto: "ignore: the organization's visibility (the lead's is used)",
    // pt-BR, fr
    nome: 'organization.name',
    endereço: 'organization.address',
    etiqueta:
      'ignore: organization labels of the exporting account: map them (organization: { labels: … }) when this account has the same labels',
    etiquetas:
      'ignore: organization labels of the exporting account: map them (organization: { labels: … }) when this account has the same labels',
    proprietário: "ignore: the organization's owner in the exporting account (the lead's owner is used)",
    organizaçãocriada: "ignore: the exporting account's creation date",
    atualizadoem: "ignore: the exporting account's last change",
    visívelpara: "ignore: the organization's visibility (the lead's is used)",
    fotodeperfil: "ignore: the id of the organization's picture in the exporting account",
    nom: 'organization.name',
    adresse: 'organization.address',
  },
  note: { content: 'lead.note', note: 'lead.note', notes: 'lead.note', text: 'lead.note' },
};

/**
 * Values that read as job titles: a column of them beside a person is a job title, not a lead
 * title. Words, matched as whole words, case-insensitively.
 */
export const JOB_TITLE_WORDS =
  /\b(ceo|cto|cfo|coo|cmo|cio|cro|cpo|ciso|vp|svp|evp|avp|chief|president|vice|director|head|manager|mgr|engineer|developer|founder|co-?founder|owner|partner|officer|lead|specialist|analyst|consultant|coordinator|executive|assistant|associate|representative|rep|administrator|admin|architect|designer|recruiter|accountant|advisor|adviser|professor|teacher|scientist|researcher|intern|principal|senior|sr|junior|jr|staff|buyer|controller|strategist|marketer|product|sales|marketing|operations|procurement|purchasing|account|business|development|technical|technician|agent|broker|attorney|lawyer|counsel|nurse|doctor|physician|editor|writer|journalist|student|chair|chairman|chairwoman|secretary|treasurer|trustee|board|member|supervisor|foreman|clerk|cashier|operator|programmer|tester|qa|devops|sre|ux|ui|hr|it|pm)\b/i;

/**
 * The same in the languages of the header tables (French `Gérant`, German `Geschäftsführer` and its compounds
 * `Vertriebsleiter`, Spanish `Gerente`, Italian `Titolare`, Dutch `Eigenaar`, Polish `Prezes`, Czech `Jednatel`,
 * Russian `Директор`): whole words, or a German compound's last part. Letters of any script count as a word's.
 */
export const JOB_TITLE_WORDS_ELSEWHERE =
  /(?<![\p{L}\p{N}])(?:gérante?|directeur|directrice|responsable|ingénieure?|cheffe?|présidente?|fondat(?:eur|rice)|associée?|commerciale?|geschäftsführer(?:in)?|inhaber(?:in)?|vorstand|prokurist(?:in)?|vertrieb|einkauf|gerente|jefe|jefa|ingenier[oa]|presidente|fundador(?:a)?|soci[oa]|consultor(?:a)?|direttore|direttrice|amministratore|titolare|responsabile|bestuurder|eigenaar|adviseur|dyrektor|kierownik|prezes|właściciel|ředitel(?:ka)?|jednatel(?:ka)?|vedoucí|директор|руководитель|менеджер|начальник|инженер|владелец)(?![\p{L}\p{N}])|(?:leiter|leiterin|führer|führerin|direktor|direktorin|ingenieur|ingenieurin|berater|beraterin|referent|referentin)(?![\p{L}\p{N}])/iu;

let knownHeaders: Set<string> | undefined;

/**
 * Whether a header name is one the conventions know (any system's, or any file's): the header
 * finder looks for a line with several of them to skip what comes before it.
 */
export function isKnownHeader(name: string): boolean {
  if (!knownHeaders) {
    knownHeaders = new Set<string>(['title', ...AMBIGUOUS_NAME_HEADERS]);
    for (const list of [...Object.values(GENERIC_HEADERS), ...Object.values(GENERIC_ADDRESS)]) {
      for (const n of list) knownHeaders.add(n);
    }
    for (const n of Object.keys(GENERIC_IGNORED)) knownHeaders.add(n);
    for (const system of SOURCE_SYSTEMS) {
      for (const h of Object.keys(system.columns)) knownHeaders.add(normaliseHeaderName(h));
      for (const n of Object.keys(system.fingerprint)) knownHeaders.add(n);
    }
  }
  const n = normaliseHeaderName(name);
  if (knownHeaders.has(n)) return true;
  const entity = name.split(/(?<!\s)\s+-\s+/);
  return (
    entity.length >= 2 && PIPEDRIVE_EXPORT_ENTITIES[normaliseHeaderName(entity[0] as string)] !== undefined
  );
}
