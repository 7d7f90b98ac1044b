// The pure part of the S3 event processor: uploaded bytes -> CSV -> JSON. No AWS here, so every rule of
// what counts as a good file is tested without a server (test/s3-events/csv-to-json.test.ts).
//
// Parsing CSV by hand (split on commas and newlines) breaks on the first quoted field holding a comma or a
// line break; the maintained `csv-parse` package implements RFC 4180 quoting, CRLF and BOM handling.
import { parse } from 'csv-parse/sync';

/** Most data rows a file may hold, unless the caller gives another limit. */
export const DEFAULT_MAX_ROWS = 100_000;

/**
 * The object's content can never be transformed: wrong encoding, no header, ragged rows... A retry of the
 * same object version fails the same way, so the message names what is wrong (row, column) for the person
 * who uploaded it; the fix is a corrected upload, which S3 stores as a new version with its own event.
 */
export class CorruptObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptObjectError';
  }
}

/** The source object a result was made from: exactly one version of one key. */
export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly etag: string;
}

/** The JSON document the processor writes for one CSV object version. */
export interface CsvDocument {
  readonly source: SourceObject;
  readonly columns: string[];
  readonly rows: Record<string, string>[];
}

/**
 * Bytes -> text, refusing anything that is not valid UTF-8. Without `fatal: true`, TextDecoder replaces
 * each bad byte with U+FFFD and the result silently holds '�' where the uploader had, say, a Latin-1 'é'.
 * A leading byte-order mark is dropped (TextDecoder's default), as spreadsheet programs often write one.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CorruptObjectError(
      'the object is not valid UTF-8 text; save the CSV file with UTF-8 encoding and upload it again',
    );
  }
}

/**
 * CSV text -> `{ source, columns, rows }`, rows as objects keyed by column name (all values strings: CSV
 * has no types, and guessing them turns a ZIP code like 02134 into the number 2134).
 *
 * Rules, each failing with a CorruptObjectError that names the line, row or column:
 * - the first record is the header; there must be a header and at least one data row;
 * - column names are non-empty (after trimming spaces) and unique, as each becomes an object key;
 * - every data row has exactly as many fields as the header (a ragged row means a missing or extra comma,
 *   and which value belongs to which column is then a guess);
 * - at most `maxRows` data rows (the JSON of a huge file would not fit the function's memory);
 * - a UTF-8 byte-order mark is tolerated; blank lines are skipped.
 */
export function csvToJson(
  text: string,
  source: SourceObject,
  maxRows: number = DEFAULT_MAX_ROWS,
): CsvDocument {
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    throw new RangeError(`maxRows must be a positive integer; received ${maxRows}`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      // Column counts are checked below, to name the row in our own words.
      relax_column_count: true,
      // Stop after the header, maxRows rows and one more: enough to know the file is too long without
      // parsing all of it.
      to: maxRows + 2,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    // csv-parse names the line: an unclosed quote, a quote inside an unquoted field...
    throw new CorruptObjectError(`the object is not valid CSV: ${(e as Error).message}`);
  }

  if (records.length === 0) {
    throw new CorruptObjectError(
      'the object is empty: a CSV file needs a header row and at least one data row',
    );
  }
  const columns = records[0].record;
  const seen = new Map<string, number>();
  columns.forEach((name, index) => {
    if (name.trim() === '') {
      throw new CorruptObjectError(`header row: column ${index + 1} has no name; every column needs one`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new CorruptObjectError(
        `header row: column ${index + 1} is named '${name}', like column ${first + 1}; column names must be unique`,
      );
    }
    seen.set(name, index);
  });

  const data = records.slice(1);
  if (data.length === 0) {
    throw new CorruptObjectError('the object has a header row but no data rows');
  }
  if (data.length > maxRows) {
    throw new CorruptObjectError(
      `the object has more than ${maxRows} data rows, the most this processor accepts`,
    );
  }

  const rows = data.map(({ record, info }, i) => {
    if (record.length !== columns.length) {
      throw new CorruptObjectError(
        `data row ${i + 1} (line ${info.lines}) has ${record.length} field(s); the header has ${columns.length} column(s)`,
      );
    }
    // Object.fromEntries makes an ordinary object; a column named '__proto__' becomes a plain key, never
    // the prototype (it would with `row[name] = value`).
    return Object.fromEntries(columns.map((name, c) => [name, record[c]]));
  });

  return { source, columns, rows };
}
