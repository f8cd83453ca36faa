import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadConfig } from '../../src/config/config.js';
import { CP850_HIGH } from '../../src/producer/cp850.js';
import { type CsvReadOptions, type CsvRow, openCsv } from '../../src/producer/csv-reader.js';
import { detectEncoding, detectFileEncoding, parseEncodingName } from '../../src/producer/encoding.js';
import { AmbiguousEncodingError, CsvFormatError } from '../../src/producer/errors.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { formatSummary } from '../../src/producer/report-format.js';
import { CP1250_HIGH } from '../../src/producer/windows-1250.js';
import { CP1251_HIGH } from '../../src/producer/windows-1251.js';
import {
  ACCENTED_ROWS,
  HOSTILE_DIR,
  macRoman,
  PADDING_ROWS,
  windows1252,
  writeGeneratedFixture,
} from '../fixtures/hostile/generate.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { runImport, takeEnqueuedJobs } from './run-import.js';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('encoding detection of files that mix encodings', () => {
  it('takes a UTF-8 file with a Windows-1252 line for UTF-8, so that line is rejected rather than every accent garbled', () => {
    expect(detectEncoding(readFileSync(join(HOSTILE_DIR, 'mixed-encodings.csv')))).toEqual({
      encoding: 'utf-8',
      bom: false,
    });
    // One line among several UTF-8 ones, whatever its share of the accents.
    const oneLine = Buffer.concat([
      utf8('Name\nJosé Müller\nZoë Ødegård\n'),
      latin1('Hélène Lefèvre, Crème brûlée\n'),
    ]);
    expect(detectEncoding(oneLine).encoding).toBe('utf-8');
  });

  it('does not take byte runs that only look like UTF-8 (overlong forms, surrogates) for UTF-8', () => {
    // E0 80 80 is an overlong form and ED A0 80 a surrogate: both invalid UTF-8 (Unicode Table 3-7).
    // "à€€" reads as text in Mac Roman too ("‡ÄÄ"), so the line says more, as a real file would.
    expect(detectEncoding(latin1('Name\nà\x80\x80 Café Crème\n')).encoding).toBe('windows-1252');
    expect(detectEncoding(latin1('Name\ní\xa0\x80 Café\n')).encoding).toBe('windows-1252');
  });

  it('reads a Windows-1252 file as Windows-1252 even when an accented capital and a curly quote look like UTF-8', () => {
    // "É”" is C9 94, a well-formed two-byte UTF-8 sequence; every other accent here is not.
    expect(
      detectEncoding(
        latin1(
          'Nom;Société\n“CAFÉ” Hélène;Crème brûlée à la carte\n'.replace(/[“”]/g, (q) =>
            q === '“' ? '\x93' : '\x94',
          ),
        ),
      ).encoding,
    ).toBe('windows-1252');
  });

  it('still reads a file with accents and no well-formed UTF-8 sequence as Windows-1252', () => {
    expect(detectEncoding(latin1('Nom;Société\nHélène Lefèvre;Café Crème\n')).encoding).toBe('windows-1252');
    const cp1252 = readFileSync(join(import.meta.dirname, '../fixtures/csv/windows-1252.csv'));
    expect(detectEncoding(cp1252).encoding).toBe('windows-1252');
  });
});

/** Text in a code page whose bytes 0x80–0xFF are `high`. */
function codePage(text: string, high: string): Buffer {
  return Buffer.from(
    [...text].map((c) => {
      if (c < '\u0080') return c.charCodeAt(0);
      const i = high.indexOf(c);
      if (i === -1) throw new Error(`${c} is not in the code page`);
      return 0x80 + i;
    }),
  );
}

describe("Excel's plain CSV in other Windows locales", () => {
  it('reads Cyrillic (Windows-1251) as Cyrillic, not as the Latin letters at the same bytes', () => {
    expect(
      detectEncoding(codePage('Name;Company\nАнна Смирнова;ООО «Ромашка»\n', CP1251_HIGH)).encoding,
    ).toBe('windows-1251');
    expect(detectEncoding(codePage('Name\nОлена Коваленко, Київ\n', CP1251_HIGH)).encoding).toBe(
      'windows-1251',
    );
  });

  it('reads Polish (Windows-1250) as Polish, where Windows-1252 has symbols (£ukasz, ¯ó³w)', () => {
    expect(
      detectEncoding(codePage('Name;City\nŁukasz Wróbel;Łódź\nZofia Żółw;Wrocław\n', CP1250_HIGH)).encoding,
    ).toBe('windows-1250');
  });

  it('reads Czech (Windows-1250) by its header, where every byte is a letter in Windows-1252 too (Dvoøák)', () => {
    const rows = 'Jiří;Dvořák;Město Brno\nKateřina;Nováková;Plzeň\n';
    // Without a header in Czech, rows whose words no Western language writes ("Jiøí", "Dvoøák") make the import ask,
    // showing the line both ways; rows without such words ("Nováková", "Plzeò") keep Windows-1252: the limit the
    // README states.
    const asked = (() => {
      try {
        detectEncoding(codePage(`First Name;Last Name;Company\n${rows}`, CP1250_HIGH));
      } catch (err) {
        return err;
      }
    })();
    expect(asked).toBeInstanceOf(AmbiguousEncodingError);
    expect((asked as AmbiguousEncodingError).candidates).toEqual(['windows-1250', 'windows-1252']);
    expect((asked as AmbiguousEncodingError).line).toBe(2);
    expect((asked as Error).message).toContain(
      'line 2 reads "Jiøí;Dvoøák;Mìsto Brno" as Windows-1252 and "Jiří;Dvořák;Město Brno" as Windows-1250',
    );
    expect(
      detectEncoding(
        codePage('First Name;Last Name;City\nJana;Nováková;Plzeň\nPetr;Svoboda;Brno\n', CP1250_HIGH),
      ).encoding,
    ).toBe('windows-1252');
    expect(detectEncoding(codePage(`Jméno;Příjmení;Firma\n${rows}`, CP1250_HIGH)).encoding).toBe(
      'windows-1250',
    );
    // After a preamble line, quoted, comma-separated; and a Polish header whose only Polish letter is ę.
    expect(
      detectEncoding(codePage(`sep=,\n"Jméno","Příjmení","Město"\n${rows.replaceAll(';', ',')}`, CP1250_HIGH))
        .encoding,
    ).toBe('windows-1250');
    expect(detectEncoding(codePage('Imię;Nazwisko;Miasto\nAnna;Nowak;Poznań\n', CP1250_HIGH)).encoding).toBe(
      'windows-1250',
    );
  });

  it('asks about Hungarian (Windows-1250), whose ő and ű Windows-1252 reads as õ and û (Kõvári, Építõ)', () => {
    // Hungarian letters other than ő and ű are the same bytes in both, and so is a header typed in Hungarian.
    const file = 'Vezetéknév;Keresztnév;Cég\nKővári;Győző;Építő Kft.\nErdős;Dezső;Fővárosi Műszaki Zrt.\n';
    const asked = (() => {
      try {
        detectEncoding(codePage(file, CP1250_HIGH));
      } catch (err) {
        return err;
      }
    })();
    expect(asked).toBeInstanceOf(AmbiguousEncodingError);
    expect((asked as AmbiguousEncodingError).candidates).toEqual(['windows-1250', 'windows-1252']);
    expect((asked as Error).message).toContain(
      'line 2 reads "Kõvári;Gyõzõ;Építõ Kft." as Windows-1252 and "Kővári;Győző;Építő Kft." as Windows-1250 (Hungarian)',
    );
    // One such word is not enough, however often it comes ("Kõvári" in every row).
    expect(
      detectEncoding(codePage('Vezetéknév;Keresztnév\nKővári;Anna\nKővári;Béla\nKővári;Csaba\n', CP1250_HIGH))
        .encoding,
    ).toBe('windows-1252');
  });

  it('reads a Windows-1252 file whose empty cells hold a dash as Windows-1252, where Mac Roman reads the dash as "ó"', () => {
    // Before: Mac Roman, the dash scoring nothing between commas and Mac Roman's "ó" a one-letter word; every row's
    // phone "ó" was then rejected.
    for (const dash of [0x97, 0x96]) {
      // Windows-1252's em dash (0x97) and en dash (0x96).
      const rows = Array.from({ length: 6 }, (_, i) => `Person ${i},Company ${i},\x00\r\n`).join('');
      const bytes = latin1(`Name,Company,Phone\r\n${rows}`).map((b) => (b === 0 ? dash : b));
      expect(detectEncoding(bytes).encoding, dash.toString(16)).toBe('windows-1252');
    }
  });

  it('keeps Western European text, whose letters are the same in Windows-1250, as Windows-1252', () => {
    for (const text of [
      'Name;Firma\nJürgen Weiß;Großhandel Müller GmbH\n',
      'Nom;Société\nHélène Lefèvre;Crème brûlée à la carte\n',
      'Nombre;Empresa\nJosé Núñez;Logística Año Nuevo, ¿sí?\n',
      'Name;Company\nZoë Ørsted;Ångström AB, £500\n',
      // Headers in those languages, whose accents Windows-1250 reads otherwise (ñ as ń, è as č, à as ŕ).
      'Nombre;Compañía;Teléfono;Dirección\nJosé Núñez;Logística Año Nuevo;+34 91 555 01 23;Calle Mayor 1\n',
      'Prénom;Société;Téléphone;Commentaire\nHélène;Crème à la carte;+33 1 55 55 01 23;Très intéressée\n',
      'Nome;Città;Attività\nNiccolò;Forlì;Caffè\n',
      // Danish ø, Italian ì and French è, many times, never beside í, á, ý or ú in one word.
      'Name;Company;City\nSøren Ørsted;Høj Ærø ApS;København\nNiccolò Bellì;Così è;Forlì\nHélène Lefèvre;Élève Crème;Sèvres\nJosé Núñez;Camión Azúcar;Málaga\n',
      // Portuguese and Estonian õ and French û, beside the letters those languages put with them.
      'Nome;Empresa;Cidade\nConceição Simões;Soluções e Informações Lda;Guimarães\nJoão Magalhães;Comunicações Órgãos;Póvoa\n',
      'Nimi;Firma;Linn\nTõnu Põder;Jõelähtme Mõisaküla OÜ;Võru\nMärt Sõõrd;Pärnu;Kõrgessaare\n',
      'Nom;Société;Ville\nJérôme Dûment;Sûreté Crème brûlée;Mâcon\nAimée Fûtée;Goûtée;Nîmes\n',
    ]) {
      expect(detectEncoding(latin1(text)).encoding, text).toBe('windows-1252');
    }
  });

  it('takes the code pages by their usual names', () => {
    expect(parseEncodingName('cp1251')).toBe('windows-1251');
    expect(parseEncodingName('Windows-1250')).toBe('windows-1250');
  });
});

const redis = testRedis();
const hostile = (name: string) => join(HOSTILE_DIR, name);
const generatedDir = mkdtempSync(join(tmpdir(), 'lpi-encoding-'));
afterAll(() => rmSync(generatedDir, { recursive: true, force: true }));

async function readRows(path: string, options: CsvReadOptions = {}) {
  const csv = await openCsv(path, options);
  const rows: CsvRow[] = [];
  for await (const r of csv.rows()) rows.push(r);
  return { encoding: csv.encoding, rows };
}

/** What the Mac Roman and Windows-1252 fixtures hold, from line `firstLine` on. */
const accented = (firstLine: number) => ACCENTED_ROWS.map((cells, i) => ({ line: firstLine + i, cells }));

const AMBIGUOUS_MESSAGE =
  'ambiguous-single-byte.csv: cannot tell the text encoding: line 3 reads "Jonas Kšnig" as Windows-1252 and "Jonas König" as Mac Roman (macintosh). Open the file and check which is right, then pass --encoding windows-1252 or --encoding macintosh (or save it as "CSV UTF-8").';

describe('Mac Roman (Excel for Mac) and Windows-1252', () => {
  it('reads an Excel-for-Mac "CSV (Macintosh)" file (Mac Roman, CR line endings) with its accents and curly quotes', async () => {
    const { encoding, rows } = await readRows(hostile('excel-mac-roman.csv'));
    expect(encoding).toBe('macintosh');
    expect(rows).toEqual(accented(2));
  });

  it('still reads the same names written by Excel on Windows as Windows-1252', async () => {
    const { encoding, rows } = await readRows(hostile('excel-windows-1252.csv'));
    expect(encoding).toBe('windows-1252');
    expect(rows).toEqual(accented(2));
  });

  it('says macintosh in the dry run summary, and validates the names as written', async () => {
    const config = loadConfig({ REDIS_URL: testRedisUrl(), PIPEDRIVE_API_TOKEN: 'unused-offline' });
    const summary = await importCsv({
      file: hostile('excel-mac-roman.csv'),
      config,
      dryRun: true,
      offline: true,
    });
    expect(summary).toMatchObject({ encoding: 'macintosh', rows: 5, valid: 5, rejected: 0 });
    expect(formatSummary(summary)).toContain('excel-mac-roman.csv (5 rows, macintosh, ","-separated)');
  });

  it.each([
    ['é 0xE9 / 0x8E', 'Renée Dubois'],
    ['ü 0xFC / 0x9F', 'Jürgen Müller'],
    ['ø 0xF8 / 0xBF', 'Søren Bjørn'],
    ['ñ 0xF1 / 0x96', 'Iñaki Muñoz Peña'],
    ['curly quotes 0x93 0x94 / 0xD2 0xD3', '“Acme” Ltd'],
    ['en dashes 0x96 / 0xD0', 'Paris – Lyon – Nice'],
  ])('tells the two apart by %s ("%s"), with LF or CR line endings', (_, name) => {
    for (const eol of ['\n', '\r']) {
      const text = `Name${eol}${name}${eol}`;
      expect(detectEncoding(windows1252(text), true).encoding).toBe('windows-1252');
      expect(detectEncoding(macRoman(text), true).encoding).toBe('macintosh');
    }
  });

  it('asks rather than guesses when the accents read as text both ways', () => {
    // Each reads as plausible text in both: "König"/"Kšnig", "“le chef”"/"ìle chefî", "don’t"/"donít".
    for (const [bytes, readings] of [
      [macRoman('Name\nJonas König\n'), ['"Jonas Kšnig" as Windows-1252', '"Jonas König" as Mac Roman']],
      [windows1252('Name\n“le chef”\n'), ['"“le chef”" as Windows-1252', '"ìle chefî" as Mac Roman']],
      [windows1252('Name\ndon’t\n'), ['"don’t" as Windows-1252', '"donít" as Mac Roman']],
    ] as const) {
      const error = catchError(() => detectEncoding(bytes, true, 'leads.csv'));
      expect(error).toBeInstanceOf(AmbiguousEncodingError);
      expect(error).toBeInstanceOf(CsvFormatError);
      for (const reading of readings) expect(error?.message).toContain(reading);
      expect((error as AmbiguousEncodingError).candidates).toHaveLength(2);
    }
  });

  it('takes CR-only line endings (classic Mac OS, Excel for Mac) as a hint for Mac Roman, not as proof', () => {
    // "ñ" read as Windows-1252 is an en dash inside a word: odd, but not impossible.
    const text = (eol: string) => `Name,Company${eol}Ana Muñoz,Muñoz Hermanos${eol}`;
    expect(() => detectEncoding(macRoman(text('\n')), true)).toThrow(AmbiguousEncodingError);
    expect(detectEncoding(macRoman(text('\r')), true).encoding).toBe('macintosh');
    // A hint does not outweigh the bytes: the same names in Windows-1252 with CR stay Windows-1252.
    expect(detectEncoding(windows1252(text('\r')), true).encoding).toBe('windows-1252');
  });

  it('stops a file that fits both before anything is read, naming both encodings and --encoding', async () => {
    const error = await openCsv(hostile('ambiguous-single-byte.csv'), {
      displayName: 'ambiguous-single-byte.csv',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousEncodingError);
    expect((error as Error).message).toBe(AMBIGUOUS_MESSAGE);
    expect(error).toMatchObject({ candidates: ['windows-1252', 'macintosh'], line: 3 });
  });

  it('reads the file as told with --encoding macintosh (or mac, macroman, mac-roman, x-mac-roman)', async () => {
    for (const name of [
      'macintosh',
      'mac',
      'macroman',
      'mac-roman',
      'x-mac-roman',
      'Mac Roman',
      'MACINTOSH',
    ]) {
      expect(parseEncodingName(name), name).toBe('macintosh');
    }
    const mac = await readRows(hostile('ambiguous-single-byte.csv'), { encoding: 'macintosh' });
    expect(mac.rows[1]?.cells).toEqual(['Jonas König', 'jonas@example.de', 'Bau GmbH']);
    const windows = await readRows(hostile('ambiguous-single-byte.csv'), { encoding: 'windows-1252' });
    expect(windows.rows[1]?.cells[0]).toBe('Jonas Kšnig');
  });

  it('imports Excel\'s "CSV (MS-DOS)" (code page 850, or 437 in the US) as cp850, where Windows-1252 reads "Ren‚" and Mac Roman "RenÇ"', {
    timeout: 120_000,
  }, async () => {
    // As Excel for Windows writes it: CRLF, commas, quotes only where needed, no BOM.
    const text =
      'First Name,Last Name,Company,E-mail Address\r\n' +
      'René,Müller,"Société Générale, Zürich",rene@example.com\r\n' +
      'José,Núñez,Logística Año S.L.,jose@example.com\r\n' +
      'François,Lefèvre,Crème & Fils SARL,francois@example.com\r\n';
    const path = join(generatedDir, 'excel-ms-dos.csv');
    writeFileSync(path, codePage(text, CP850_HIGH));
    const run = await runImport(path);
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ encoding: 'cp850', rows: 3, enqueued: 3, rejected: 0 });
    const jobs = await takeEnqueuedJobs(redis, run.prefix);
    expect(jobs.map((j) => j.cells)).toEqual([
      ['René', 'Müller', 'Société Générale, Zürich', 'rene@example.com'],
      ['José', 'Núñez', 'Logística Año S.L.', 'jose@example.com'],
      ['François', 'Lefèvre', 'Crème & Fils SARL', 'francois@example.com'],
    ]);
    // Code page 437 writes these letters with the same bytes; `--encoding cp437` names it.
    expect(parseEncodingName('cp437')).toBe('cp850');
    expect(parseEncodingName('IBM850')).toBe('cp850');
  });

  it('imports the file with --encoding macintosh through the CLI, which lists macintosh in its help', {
    timeout: 120_000,
  }, async () => {
    const run = await runImport(hostile('ambiguous-single-byte.csv'), { args: ['--encoding', 'macintosh'] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ encoding: 'macintosh', rows: 2, enqueued: 2, rejected: 0 });
    const jobs = await takeEnqueuedJobs(redis, run.prefix);
    expect(jobs.map((j) => j.cells)).toEqual([
      ['Ada Lovelace', 'ada@example.org', 'Analytical Engines'],
      ['Jonas König', 'jonas@example.de', 'Bau GmbH'],
    ]);

    let help = '';
    const stdout = new PassThrough().on('data', (d) => {
      help += d;
    });
    expect(await main(['import', '--help'], { stdout, stderr: new PassThrough(), env: {} })).toBe(0);
    expect(help).toMatch(/--encoding ENC +utf-8 \| utf-16le \| utf-16be \| windows-1252 \| macintosh/);
  });

  it.each([
    ['mac-roman-after-sample.csv', 'macintosh'],
    ['windows-1252-after-sample.csv', 'windows-1252'],
  ] as const)('detects %s, whose first accent is past the 64 KiB sample, as %s', async (name, want) => {
    const path = await writeGeneratedFixture(generatedDir, name);
    expect(statSync(path).size).toBeGreaterThan(64 * 1024);
    const { encoding, rows } = await readRows(path);
    expect(encoding).toBe(want);
    expect(rows.filter((r) => r.error !== undefined)).toEqual([]);
    expect(rows.slice(PADDING_ROWS, PADDING_ROWS + ACCENTED_ROWS.length)).toEqual(accented(PADDING_ROWS + 2));
  });
});

describe('detectFileEncoding reading past the sample', () => {
  /** `count` ASCII lines (about 60 bytes each): far more than the 64 KiB sample. */
  const asciiLines = (count: number, eol: string) =>
    Array.from({ length: count }, (_, i) => `Person ${i},person${i}@example.org,Company ${i}${eol}`).join('');

  async function detect(bytes: Buffer, chunkBytes?: number) {
    const path = join(generatedDir, `detect-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, bytes);
    const sample = bytes.subarray(0, 64 * 1024);
    return detectFileEncoding(path, sample, {
      size: bytes.length,
      displayName: 'big.csv',
      ...(chunkBytes ? { chunkBytes } : {}),
    });
  }

  it.each([
    [undefined, '\r\n'],
    [97, '\r\n'],
    [97, '\r'],
    [4096, '\n'],
  ] as const)(
    'names the right line of an ambiguous byte far past the sample (chunks of %s bytes, %j)',
    async (chunkBytes, eol) => {
      // 3,000 lines of ASCII, so a CRLF falls across many chunk boundaries, then "König" in Mac Roman.
      const bytes = Buffer.concat([
        Buffer.from(`Name,Email,Company${eol}${asciiLines(3000, eol)}`),
        macRoman(`Jonas König,jonas@example.de,Bau GmbH${eol}`),
        Buffer.from(asciiLines(10, eol)),
      ]);
      const error = await detect(bytes, chunkBytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AmbiguousEncodingError);
      // CR-only endings lean to Mac Roman, so the readings are listed in either order.
      expect((error as Error).message).toMatch(
        /^big\.csv: cannot tell the text encoding: line 3002 reads "Jonas K.nig" as /,
      );
      expect(error).toMatchObject({ line: 3002 });
    },
  );

  it('takes a file that is ASCII to its end for UTF-8', async () => {
    expect(await detect(Buffer.from(`Name${'\n'}${asciiLines(3000, '\n')}`), 1000)).toEqual({
      encoding: 'utf-8',
      bom: false,
    });
  });

  it('takes a file whose first non-ASCII bytes past the sample are UTF-8 for UTF-8', async () => {
    const bytes = Buffer.from(`Name\n${asciiLines(3000, '\n')}Zoë Ørsted,zoe@example.dk,Ørsted A/S\n`);
    expect(await detect(bytes)).toEqual({ encoding: 'utf-8', bom: false });
  });

  it('reads on past an undecided sample until the bytes decide', async () => {
    // "König" alone fits both; "Müller" 64 KiB further down does not ("MŸller" in Windows-1252).
    const bytes = Buffer.concat([
      macRoman(`Name\nJonas König,jonas@example.de,Bau GmbH\n${asciiLines(3000, '\n')}`),
      macRoman('François Müller,francois@example.ch,Müller & Söhne GmbH\n'),
    ]);
    expect(await detect(bytes, 1000)).toEqual({ encoding: 'macintosh', bom: false });
  });
});

function catchError(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe("Excel's CSV in Japanese, Chinese and Korean locales (code pages 932, 936, 949)", () => {
  const csvFixture = (name: string) => join(import.meta.dirname, '../fixtures/csv', name);

  it.each([
    [
      'ja-shift-jis.csv',
      'shift_jis',
      ['山田 太郎', 'taro@example.jp', '株式会社サンプル', '03-1234-5678', '営業部長'],
    ],
    [
      'zh-gbk.csv',
      'gb18030',
      ['王小明', 'xiaoming@example.cn', '北京示例科技有限公司', '010-12345678', '销售经理'],
    ],
    ['ko-euc-kr.csv', 'euc-kr', ['김민수', 'minsu@example.kr', '주식회사 샘플', '02-1234-5678', '영업부장']],
  ])('reads %s as %s by its header in that language', async (file, encoding, cells) => {
    const read = await readRows(csvFixture(file));
    expect(read.encoding).toBe(encoding);
    expect(read.rows[0]?.cells).toEqual(cells);
  });

  it('reads Japanese and Korean under an English header by their own script (kana, Hangul)', async () => {
    const ja = await readRows(csvFixture('ja-shift-jis-english-header.csv'));
    expect(ja.encoding).toBe('shift_jis');
    expect(ja.rows.map((r) => r.cells[2])).toEqual(['株式会社サンプル', '有限会社テスト']);
    const ko = await readRows(csvFixture('ko-euc-kr-english-header.csv'));
    expect(ko.encoding).toBe('euc-kr');
    expect(ko.rows[0]?.cells).toEqual(['김민수', 'minsu@example.kr', '주식회사 샘플']);
  });

  it('reads Chinese under an English header by its common characters: GBK (Simplified) or Big5 (Traditional)', async () => {
    // Names, companies, titles and cities as a lead list holds them. Each file's bytes also decode in the other code
    // page (and in Windows-1251, as Cyrillic letters), as characters no name or company is made of.
    const gbk = await readRows(csvFixture('zh-gbk-english-header-list.csv'));
    expect(gbk.encoding).toBe('gb18030');
    expect(gbk.rows[1]?.cells).toEqual([
      '王芳',
      'wf@example.cn',
      '阿里巴巴(中国)网络技术有限公司',
      '采购经理',
      '杭州市',
    ]);
    const big5 = await readRows(csvFixture('zh-big5-english-header.csv'));
    expect(big5.encoding).toBe('big5');
    expect(big5.rows[0]?.cells).toEqual([
      '陳志明',
      'cm@example.tw',
      '台灣積體電路製造股份有限公司',
      '業務經理',
      '新竹市',
    ]);
    const one = await readRows(csvFixture('zh-gbk-english-header.csv'));
    expect(one.encoding).toBe('gb18030');
    expect(one.rows[0]?.cells).toEqual(['王小明', 'xiaoming@example.cn', '北京示例科技有限公司']);
  });

  it('asks about a little Chinese under an English header, which reads as Cyrillic letters too, rather than import mojibake', async () => {
    const asked = await readRows(csvFixture('zh-gbk-english-header-short.csv')).catch((e: unknown) => e);
    expect(asked).toBeInstanceOf(AmbiguousEncodingError);
    expect((asked as AmbiguousEncodingError).candidates[0]).toBe('gb18030');
    expect((asked as Error).message).toContain('it reads as Simplified Chinese (gb18030)');
    expect((asked as Error).message).toContain('--encoding gb18030');
    const chosen = await readRows(csvFixture('zh-gbk-english-header-short.csv'), { encoding: 'gb18030' });
    expect(chosen.rows[0]?.cells).toEqual(['王小明', 'xm@example.cn', '华为公司']);
  });

  it("takes Windows' and Excel's names of these code pages for --encoding", () => {
    expect(parseEncodingName('cp932')).toBe('shift_jis');
    expect(parseEncodingName('Shift_JIS')).toBe('shift_jis');
    expect(parseEncodingName('GBK')).toBe('gb18030');
    expect(parseEncodingName('cp936')).toBe('gb18030');
    expect(parseEncodingName('EUC-KR')).toBe('euc-kr');
    expect(parseEncodingName('cp949')).toBe('euc-kr');
    expect(parseEncodingName('Big5')).toBe('big5');
  });
});
