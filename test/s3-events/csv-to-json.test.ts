// The pure CSV -> JSON transformation of the S3 event processor: no server, no AWS.
import {
  CorruptObjectError,
  DEFAULT_MAX_ROWS,
  csvToJson,
  decodeUtf8,
} from '../../lib/s3-events/runtime/csv-to-json';

const SOURCE = { bucket: 'uploads-bucket', key: 'uploads/a.csv', versionId: 'v1', etag: 'e1' };

describe('csvToJson: good files', () => {
  test('header + rows -> columns and row objects, with the source', () => {
    const doc = csvToJson('id,name,zip\n1,Ada,02134\n2,Grace,10001\n', SOURCE);
    expect(doc).toEqual({
      source: SOURCE,
      columns: ['id', 'name', 'zip'],
      rows: [
        { id: '1', name: 'Ada', zip: '02134' },
        { id: '2', name: 'Grace', zip: '10001' },
      ],
    });
  });

  test('quoted fields keep commas, quotes and line breaks; CRLF line ends work', () => {
    const doc = csvToJson('a,b\r\n"x, y","say ""hi""\r\nagain"\r\n', SOURCE);
    expect(doc.rows).toEqual([{ a: 'x, y', b: 'say "hi"\r\nagain' }]);
  });

  test('a byte-order mark is not part of the first column name', () => {
    const doc = csvToJson('\uFEFFid,name\n1,Ada\n', SOURCE);
    expect(doc.columns).toEqual(['id', 'name']);
    expect(doc.rows[0]).toEqual({ id: '1', name: 'Ada' });
  });

  test('blank lines are skipped; no trailing newline is fine', () => {
    expect(csvToJson('a,b\n\n1,2\n\n3,4', SOURCE).rows).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  test('non-ASCII text survives', () => {
    expect(csvToJson('ville,prénom\nZürich,Zoë\n', SOURCE).rows).toEqual([
      { ville: 'Zürich', prénom: 'Zoë' },
    ]);
  });

  test('a column named __proto__ is a plain key, never the prototype', () => {
    const row = csvToJson('__proto__,b\nx,y\n', SOURCE).rows[0];
    expect(Object.keys(row)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  test('exactly maxRows rows is accepted', () => {
    const text = 'n\n' + Array.from({ length: 5 }, (_, i) => String(i)).join('\n');
    expect(csvToJson(text, SOURCE, 5).rows).toHaveLength(5);
    expect(DEFAULT_MAX_ROWS).toBe(100_000);
  });
});

describe('csvToJson: corrupt files throw CorruptObjectError naming what is wrong', () => {
  test.each([
    ['an empty file', '', /the object is empty/],
    ['only blank lines', '\n\n', /the object is empty/],
    ['a header and no rows', 'a,b\n', /header row but no data rows/],
    [
      'a ragged row (too few fields)',
      'a,b,c\n1,2,3\n4,5\n',
      /data row 2 \(line 3\) has 2 field\(s\); the header has 3/,
    ],
    [
      'a ragged row (too many fields)',
      'a,b\n1,2,3\n',
      /data row 1 \(line 2\) has 3 field\(s\); the header has 2/,
    ],
    ['duplicate column names', 'id,name,id\n1,2,3\n', /column 3 is named 'id', like column 1/],
    ['an empty column name', 'id,,name\n1,2,3\n', /column 2 has no name/],
    ['a blank column name', 'id, \n1,2\n', /column 2 has no name/],
    ['an unclosed quote', 'a,b\n"1,2\n', /not valid CSV: .*quote/i],
  ])('%s', (_name, text, message) => {
    const attempt = () => csvToJson(text, SOURCE);
    expect(attempt).toThrow(CorruptObjectError);
    expect(attempt).toThrow(message);
  });

  test('more rows than the limit', () => {
    const text = 'n\n' + Array.from({ length: 6 }, (_, i) => String(i)).join('\n');
    expect(() => csvToJson(text, SOURCE, 5)).toThrow(
      new CorruptObjectError('the object has more than 5 data rows, the most this processor accepts'),
    );
  });

  test('a limit that is not a positive integer is a programming error, not a corrupt object', () => {
    expect(() => csvToJson('a\n1\n', SOURCE, 0)).toThrow(RangeError);
  });

  test('the error has its own name (it shows in logs and Lambda error reports)', () => {
    try {
      csvToJson('', SOURCE);
      throw new Error('expected a CorruptObjectError');
    } catch (e) {
      expect(e).toBeInstanceOf(CorruptObjectError);
      expect((e as Error).name).toBe('CorruptObjectError');
    }
  });
});

describe('decodeUtf8', () => {
  test('valid UTF-8, with and without a byte-order mark', () => {
    expect(decodeUtf8(Buffer.from('Zoë,€', 'utf8'))).toBe('Zoë,€');
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('a');
  });

  test.each([
    ['a Latin-1 é', Buffer.from('caf\xe9', 'latin1')],
    ['a truncated multi-byte sequence', Buffer.from([0x61, 0xe2, 0x82])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
  ])('%s is refused, never replaced with U+FFFD', (_name, bytes) => {
    expect(() => decodeUtf8(bytes)).toThrow(CorruptObjectError);
    expect(() => decodeUtf8(bytes)).toThrow(/not valid UTF-8/);
  });
});
