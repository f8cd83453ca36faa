import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CsvRow, openCsv } from '../../src/producer/csv-reader.js';
import { CsvFormatError } from '../../src/producer/errors.js';

const fixture = (name: string) => join(import.meta.dirname, '../fixtures/csv', name);

async function readAll(path: string, options = {}) {
  const csv = await openCsv(path, options);
  const rows: CsvRow[] = [];
  for await (const row of csv.rows()) rows.push(row);
  return { csv, rows };
}

describe('openCsv', () => {
  it.each([
    ['utf8-bom.csv', 'utf-8', ',', ['José Müller', 'jose@müller.example', 'Müller & Söhne GmbH']],
    ['utf8-semicolon.csv', 'utf-8', ';', ['Anna Schmidt', 'anna@example.de', 'Schmidt KG', '1.234,50']],
    ['utf16le-tab.csv', 'utf-16le', '\t', ['Renée Dubois', 'renee@example.fr', 'Café Crème']],
    ['utf16be.csv', 'utf-16be', ',', ['Łukasz Nowak', 'lukasz@example.pl', 'Żabka']],
    [
      'windows-1252.csv',
      'windows-1252',
      ';',
      ['Hélène Lefèvre', 'helene@example.fr', 'L’Atelier “Chez Hélène”', '1 500,00 €'],
    ],
    ['pipe-cr.csv', 'utf-8', '|', ['Ada Lovelace', 'ada@example.org', 'Analytical Engines']],
  ])('reads %s as %s, delimited by %j', async (name, encoding, delimiter, firstRow) => {
    const { csv, rows } = await readAll(fixture(name));
    expect(csv.encoding).toBe(encoding);
    expect(csv.delimiter).toBe(delimiter);
    expect(csv.header[0]).toMatch(/^(Name|Nom)$/);
    expect(rows[0]).toEqual({ line: 2, cells: firstRow });
    expect(rows.every((r) => r.error === undefined)).toBe(true);
  });

  it('keeps delimiters, doubled quotes and line breaks inside quoted values, skips blank lines and numbers lines physically', async () => {
    const { csv, rows } = await readAll(fixture('quoted.csv'));
    // The header's two trailing empty columns are not columns.
    expect(csv.header).toEqual(['Name', 'Email', 'Company', 'Notes']);
    expect(rows).toEqual([
      { line: 2, cells: ['Smith, John', 'john@example.com', 'ACME, Inc.', 'He said "hi"'] },
      { line: 4, cells: ['Jane Roe', 'jane@example.com', 'Multi\nLine Ltd', 'first line\nsecond line'] },
      { line: 9, cells: ['Bob Stone', 'bob@example.com', 'Stone & Co', ''] },
      { line: 10, cells: ['Eve Adams', 'eve@example.com', 'Adams LLC', 'ends, with comma,'] },
    ]);
  });

  it('rejects each malformed line with its number and reads every line after it', async () => {
    const { rows } = await readAll(fixture('malformed.csv'));
    expect(rows.map((r) => [r.line, r.error === undefined ? 'ok' : r.error.split(';')[0]])).toEqual([
      [2, 'ok'],
      [3, 'has 4 fields but the header has 3'],
      [4, 'has 1 field but the header has 3'],
      [5, 'has a " inside a value that is not in quotes'],
      [6, 'ok'],
      [7, 'has a quote that is never closed'],
      [8, 'ok'],
      [9, 'ok'],
    ]);
    expect(rows[5]?.cells).toEqual(['Bad Quote', '"four@example.com', 'Four Inc']);
  });

  it('recovers the lines after a quote that closes several lines later, and a quote longer than the record limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-csv-'));
    const path = join(dir, 'runaway.csv');
    const filler = Array.from({ length: 50 }, (_, i) => `P${i},p${i}@example.com,Co ${i}`);
    writeFileSync(
      path,
      [
        'Name,Email,Company',
        'Ann,"ann@example.com,Ann Co',
        ...filler,
        'Zed,zed@example.com,"Zed"Co',
        'Last,last@example.com,Last Co',
        '',
      ].join('\n'),
    );
    const { rows } = await readAll(path, { maxRecordBytes: 200 });
    const bad = rows.filter((r) => r.error !== undefined).map((r) => r.line);
    const good = rows.filter((r) => r.error === undefined).map((r) => r.line);
    expect(bad).toEqual([2, 53]);
    expect(good).toEqual([...Array.from({ length: 50 }, (_, i) => i + 3), 54]);
  });

  it('reads the end-of-file mark (Ctrl-Z) that DOS-era programs write after the last line as no row', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-csv-')), 'dos.csv');
    writeFileSync(path, 'Name,Email,Company\r\nAnn Lee,ann@example.com,Lee Ltd\r\n\x1a');
    const { rows } = await readAll(path);
    expect(rows).toEqual([{ line: 2, cells: ['Ann Lee', 'ann@example.com', 'Lee Ltd'] }]);
  });

  it("reads FileMaker's line breaks in a value (a vertical tab) and between a repeating field's values (the group separator) as line breaks", async () => {
    // FileMaker's Merge export: every value quoted, CR between records (FileMaker Pro Help, "Merge format").
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-csv-')), 'Contacts.mer');
    writeFileSync(
      path,
      '"Name","Phone","Street","Notes"\r"Ann Lee","+1 555 0100\x1d+1 555 0101","1 Main St\vSuite 4","Met at the fair\vCall in May"\r',
    );
    const { csv, rows } = await readAll(path);
    const cells = [
      'Ann Lee',
      '+1 555 0100\n+1 555 0101',
      '1 Main St\nSuite 4',
      'Met at the fair\nCall in May',
    ];
    expect(rows).toEqual([{ line: 2, cells }]);
    // The sample the columns are read by too.
    const again = await openCsv(path);
    expect(await again.sampleRows(5)).toEqual([cells]);
    await again.close();
    await csv.close();
  });

  it.each([
    [
      'a FileMaker comma-separated export',
      '"Ann","Lee","Lee Ltd","ann@example.com"\r"Bo","Ek","","bo@example.org"\r',
      4,
    ],
    ['a bare list of addresses', 'ann@example.com\nbo@example.org\n', 1],
  ])(
    'refuses a file without a header line (%s), naming the line, the column and the fix',
    async (_, text, column) => {
      const path = join(mkdtempSync(join(tmpdir(), 'lpi-csv-')), 'leads.csv');
      writeFileSync(path, text);
      const error = await openCsv(path, { displayName: 'leads.csv' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CsvFormatError);
      expect((error as Error).message).toContain(
        `leads.csv:1: the first line holds a lead, not the columns' names (column ${column}, "ann@example.com", is an email address): the file has no header line. Add a line naming the columns at the top`,
      );
    },
  );

  it('reads a header that names an email column in words, or a domain, as column names', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-csv-')), 'leads.csv');
    writeFileSync(path, 'Name,E-mail @ work,example.com,Email@Company\nAnn Lee,ann@example.com,x,y\n');
    const { csv, rows } = await readAll(path);
    expect(csv.header).toEqual(['Name', 'E-mail @ work', 'example.com', 'Email@Company']);
    expect(rows).toHaveLength(1);
  });

  it('honours an Excel "sep=" line and the --delimiter and --encoding overrides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-csv-'));
    const sep = join(dir, 'sep.csv');
    writeFileSync(sep, 'sep=;\nName;Email\nAnn;ann@example.com\n');
    const a = await readAll(sep);
    expect(a.csv.header).toEqual(['Name', 'Email']);
    expect(a.rows).toEqual([{ line: 3, cells: ['Ann', 'ann@example.com'] }]);
    const forced = await readAll(fixture('utf8-semicolon.csv'), { delimiter: ',', encoding: 'windows-1252' });
    expect(forced.csv.header).toEqual(['Name;Email;Company;Value']);
  });

  it.each([
    ['empty.csv', 'is empty'],
    ['workbook.csv', 'is an Excel workbook'],
    ['binary.csv', 'is not a text CSV file'],
    ['does-not-exist.csv', 'does not exist'],
  ])('refuses %s with one clear error', async (name, message) => {
    const error = await openCsv(fixture(name), { displayName: name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).toContain(message);
  });

  it.each([
    // What each program writes: an .xlsx holds [Content_Types].xml and xl/…; an OpenDocument sheet starts
    // with its mimetype; a Numbers document holds Index/…; a zip of exports (LinkedIn's data archive) holds CSVs.
    [
      'leads.xlsx',
      { '[Content_Types].xml': '<Types/>', 'xl/workbook.xml': '<workbook/>' },
      'is an Excel workbook',
    ],
    [
      'leads.ods',
      { mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': '<office/>' },
      'is a LibreOffice or OpenOffice spreadsheet (.ods), not a CSV file. Open it and use File > Save As… with the file type "Text CSV (.csv)"',
    ],
    [
      'leads.numbers',
      { 'Index/Document.iwa': 'x', 'Metadata/Properties.plist': 'x' },
      'is an Apple Numbers document, not a CSV file. Open it in Numbers and use File > Export To > CSV…',
    ],
    [
      'Basic_LinkedInDataExport.zip',
      { 'Connections.csv': 'First Name,Last Name', 'Profile.csv': 'x' },
      'is a ZIP archive (it holds Connections.csv), not a CSV file. Unzip it and import the CSV file inside',
    ],
  ])('says what %s is and how to get a CSV file from it', async (name, entries, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-zip-'));
    const path = join(dir, name);
    writeFileSync(path, zipOf(entries));
    const error = await openCsv(path, { displayName: name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toContain(`${name} ${message}`);
  });

  it.each([
    // Older CRMs and report tools save an "Excel" download as a web page with an .xls name.
    [
      'report.xls',
      Buffer.from(
        '\ufeff<html xmlns:o="urn:schemas-microsoft-com:office:office">\n<body><table><tr><td>Name</td><td>Email</td></tr></table></body></html>\n',
      ),
      'is a web page (HTML), not a CSV file',
    ],
    [
      'report-utf16.xls',
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('<!DOCTYPE html>\r\n<html><body><table><tr><td>Name</td></tr></table>', 'utf16le'),
      ]),
      'is a web page (HTML), not a CSV file',
    ],
    // Excel 2003's "XML Spreadsheet", which Excel opens from an .xls name too.
    [
      'leads.xls',
      Buffer.from(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">\n',
      ),
      'is an Excel XML spreadsheet, not a CSV file',
    ],
    [
      'leads.csv',
      Buffer.from('{"data":[{"name":"Ada","email":"ada@example.com"}]}\n'),
      'is JSON, not a CSV file',
    ],
    ['leads.json', Buffer.from('[\n  {"name": "Ada"}\n]\n'), 'is JSON, not a CSV file'],
    // TextEdit's default: rich text, even under a .csv name.
    [
      'leads.csv',
      Buffer.from(
        '{\\rtf1\\ansi\\ansicpg1252\\cocoartf2761\n{\\fonttbl\\f0\\fswiss\\fcharset0 Helvetica;}\n\\f0\\fs24 Name,Email\\\nAda,ada@example.com}',
      ),
      'is a rich-text document (RTF), not a CSV file',
    ],
    [
      'list.pdf',
      Buffer.concat([
        Buffer.from('%PDF-1.7\n%'),
        Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]),
        Buffer.from('\n1 0 obj\n'),
      ]),
      'is a PDF document, not a CSV file',
    ],
  ])(
    'says what %s is and how to get a CSV file from it, rather than fail on its first quote',
    async (name, bytes, message) => {
      const path = join(mkdtempSync(join(tmpdir(), 'lpi-notcsv-')), name);
      writeFileSync(path, bytes);
      const error = await openCsv(path, { displayName: name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CsvFormatError);
      expect((error as Error).message).toContain(`${name} ${message}`);
    },
  );

  it('reads a CSV whose first header cell starts with a bracket or a brace as a CSV', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-notcsv-')), 'brackets.csv');
    writeFileSync(path, '[Name],{Email}\nAda,ada@example.com\n');
    const { csv } = await readAll(path);
    expect(csv.header).toEqual(['[Name]', '{Email}']);
  });

  it('says that a Numbers document saved as a package (a folder) is not a CSV file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-zip-')), 'leads.numbers');
    mkdirSync(path);
    const error = await openCsv(path, { displayName: 'leads.numbers' }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('leads.numbers is an Apple Numbers document, not a CSV file.');
  });
});

describe('a report of several named tables (a webinar report: hosts, panelists, attendees…)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpi-tables-'));
  const write = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  it("reads the attendees' table, even after a hosts' table whose header names the same columns", async () => {
    const path = write('report.csv', [
      'Attendee Report,',
      'Report Generated:,"Mar 12, 2026 6:05 PM"',
      'Host Details,',
      'First Name,Last Name,Email,Join Time',
      'Maria,Schmidt,maria@vendor.example,"Mar 12, 2026 15:51:08"',
      'Attendee Details,',
      '"First Name","Last Name","Email","Organization","Join Time"',
      '"Zoë","Ørsted","zoe@angstrom.example","Ångström AB","Mar 12, 2026 16:01:12"',
      '"Ingrid","Dahl","ingrid@example.net","","--"',
    ]);
    const { csv, rows } = await readAll(path);
    expect(csv.headerLine).toBe(7);
    expect(csv.title).toEqual({ line: 6, text: 'Attendee Details' });
    expect(csv.tablesBefore).toEqual([
      { title: 'Attendee Report', line: 1, lastLine: 2 },
      { title: 'Host Details', line: 3, lastLine: 5 },
    ]);
    expect(csv.header).toEqual(['First Name', 'Last Name', 'Email', 'Organization', 'Join Time']);
    expect(rows.map((r) => [r.line, r.cells[0], r.error])).toEqual([
      [8, 'Zoë', undefined],
      [9, 'Ingrid', undefined],
    ]);
  });

  it('ends the rows where the next named table starts, and names what it skipped', async () => {
    const path = write('other.csv', [
      'Host Details,',
      'Attended,User Name,Email',
      'Yes,Maria Schmidt,maria@vendor.example',
      'Attendee Details,',
      '"Attended","First Name","Last Name","Email"',
      '"Yes","Zoë","Ørsted","zoe@angstrom.example"',
      // A row with only its first cell filled is still a row, even before a row without a digit or an @.
      '"Yes","","",""',
      '"No","Ingrid","Dahl",""',
      'Other Attended,',
      '"User Name","Join Time","Time in Session (minutes)"',
      '"iPhone de Lucía","Mar 12, 2026 4:20 PM",11',
    ]);
    const { csv, rows } = await readAll(path);
    expect(rows.map((r) => r.line)).toEqual([6, 7, 8]);
    expect(rows.every((r) => r.error === undefined)).toBe(true);
    expect(csv.tablesAfter()).toEqual([{ title: 'Other Attended', line: 9, lastLine: 11 }]);
  });

  it('reads a one-value line and a shorter line after it as rows in a file of one table', async () => {
    const path = write('plain.csv', [
      'Name,Email,Company,Phone',
      'Zoë Ørsted,zoe@angstrom.example,Ångström AB,+46 8 555 012 34',
      'Notes,,,',
      'Ingrid Dahl,ingrid@example.net',
    ]);
    const { csv, rows } = await readAll(path);
    expect(csv.title).toBeUndefined();
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(csv.tablesAfter()).toEqual([]);
  });
});

/** A ZIP archive of stored (uncompressed) entries, in order: enough for the first bytes to be real. */
function zipOf(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    parts.push(header, Buffer.from(name), data);
  }
  return Buffer.concat(parts);
}
