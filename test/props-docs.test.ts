import {
  assertPropsDocsCurrent,
  docProblems,
  documentReadme,
  indexInterfaces,
  libSources,
  propsBlockOf,
  propsDocs,
  PROPS_END,
  PROPS_READMES,
  PROPS_START,
  readmeWithProps,
  renderDefault,
  renderPropsBlock,
  SourceText,
  staleReadmes,
  userFacingInterfaces,
} from '../scripts/props-docs';

describe('pattern READMEs show the props as the JSDoc documents them', () => {
  // One parse of lib/ for the whole describe block (syntax only: well under a second).
  const result = propsDocs();

  test.each(PROPS_READMES.map((r) => r.readme))(
    '%s props block matches the JSDoc (if not: run `npm run docs:props`)',
    (readme) => {
      const r = result.readmes.find((x) => x.readme === readme)!;
      const block = propsBlockOf(r.current);
      if (block === undefined) throw new Error(`${readme} has no ${PROPS_START} block`);
      expect(block).toBe(propsBlockOf(r.expected));
    },
  );

  test('every prop users pass has a description, and every optional one a @default', () => {
    // Lists file:line, interface and prop of each gap: fix it in the JSDoc, not in the README.
    expect(result.problems).toEqual([]);
  });

  test('each README documents its construct props and the nested props they take', () => {
    const index = indexInterfaces(libSources());
    const documented = PROPS_READMES.flatMap((r) => documentReadme(r.roots, index).map((e) => e.doc.name));
    expect(documented).toEqual(
      expect.arrayContaining(['FanoutSubscriberProps', 'FanoutConsumerProps', 'ApiRoute', 'ApiScope']),
    );
    // The hand-written defaults tables are gone: the generated block is the one place for defaults.
    for (const r of result.readmes) {
      expect(r.current.split(PROPS_START)).toHaveLength(2);
      const outside = r.current.replace(propsBlockOf(r.current)!, '');
      expect(outside).not.toMatch(/^\| *prop *\|.*\bdefault\b/im);
    }
  });
});

// ---- the generator and the check, on small in-memory sources --------------------------------------

const FIXTURE: SourceText[] = [
  {
    file: 'lib/demo/base.ts',
    text: `
/** Settings every demo shares. */
export interface DemoBaseProps {
  /**
   * What happens to the data when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
`,
  },
  {
    file: 'lib/demo/demo.ts',
    text: `
import { StackProps } from 'aws-cdk-lib';
import { DemoBaseProps } from './base';

/** One worker of a {@link Demo}. */
export interface WorkerProps {
  /** Worker name: letters | digits. */
  readonly name: string;
  /**
   * How long a run may take.
   *
   * A second paragraph the table leaves out.
   * @default Duration.seconds(30), or 6x the batch time when that is longer
   */
  readonly timeout?: Duration;
}

/** Props of {@link Demo}. */
export interface DemoProps extends DemoBaseProps, StackProps {
  /** The workers (at least one). */
  readonly workers: WorkerProps[];
  /**
   * Alarm topic.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
}
`,
  },
];

const README = ['# Demo', '', 'Intro.', '', PROPS_START, PROPS_END, '', 'More prose.', ''].join('\n');

describe('renderPropsBlock', () => {
  const index = indexInterfaces(FIXTURE);
  const block = renderPropsBlock(['DemoProps'], index);

  test('one table per interface: own props, then inherited ones, then the nested interfaces', () => {
    expect(block).toContain(
      [
        '### `DemoProps`',
        '',
        'Props of `Demo`. Also takes every prop of `StackProps` (aws-cdk-lib), which this table does not list.',
        '',
        '| prop | type | required | default | description |',
        '| ---- | ---- | -------- | ------- | ----------- |',
        '| `workers` | `WorkerProps[]` | required | required | The workers (at least one). |',
        '| `alarmTopic` | `sns.ITopic` | optional | a new `AlarmTopic` | Alarm topic. |',
        '| `removalPolicy` (from `DemoBaseProps`) | `RemovalPolicy` | optional | `RemovalPolicy.RETAIN` | What happens to the data when it leaves the stack. |',
        '',
        '### `WorkerProps`',
        '',
        'One worker of a `Demo`. Passed as `DemoProps.workers`.',
      ].join('\n'),
    );
  });

  test('first paragraph only, on one line; pipes escaped; the leading default value as code', () => {
    expect(block).toContain('| `name` | `string` | required | required | Worker name: letters \\| digits. |');
    expect(block).toContain(
      '| `timeout` | `Duration` | optional | `Duration.seconds(30)`, or 6x the batch time when that is longer | How long a run may take. |',
    );
    expect(block).not.toContain('second paragraph');
    expect(block.startsWith(`${PROPS_START}\n<!-- prettier-ignore-start -->`)).toBe(true);
    expect(block.endsWith(`<!-- prettier-ignore-end -->\n${PROPS_END}`)).toBe(true);
  });

  test('defaults: jsii "- " prose, quoted strings, and what an absent tag means', () => {
    expect(renderDefault({ optional: true, defaultValue: '- none: only the topic may send' })).toBe(
      'none: only the topic may send',
    );
    expect(renderDefault({ optional: true, defaultValue: "'<profile>-<account id>', unique" })).toBe(
      "`'<profile>-<account id>'`, unique",
    );
    expect(renderDefault({ optional: true, defaultValue: undefined })).toBe('none');
    expect(renderDefault({ optional: false, defaultValue: undefined })).toBe('required');
  });
});

describe('the check fails when it should', () => {
  const readFile = () => README;

  test('an up-to-date README and complete JSDoc pass', () => {
    const first = propsDocs(FIXTURE, [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }], readFile);
    const current = first.readmes[0].expected;
    const result = propsDocs(
      FIXTURE,
      [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }],
      () => current,
    );
    expect(() => assertPropsDocsCurrent(result)).not.toThrow();
    // The block lands between the markers; the prose around it stays.
    expect(current.startsWith('# Demo\n\nIntro.\n\n<!-- props:start -->')).toBe(true);
    expect(current.endsWith('<!-- props:end -->\n\nMore prose.\n')).toBe(true);
  });

  test('a stale block (the JSDoc default changed, the README did not) fails', () => {
    const before = propsDocs(FIXTURE, [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }], readFile);
    const changed = FIXTURE.map((f) => ({
      ...f,
      text: f.text.replace('@default RemovalPolicy.RETAIN', '@default RemovalPolicy.DESTROY'),
    }));
    const after = propsDocs(
      changed,
      [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }],
      () => before.readmes[0].expected,
    );
    expect(staleReadmes(after)).toEqual(['lib/demo/README.md']);
    expect(() => assertPropsDocsCurrent(after)).toThrow(
      'stale props tables in lib/demo/README.md: run npm run docs:props',
    );
  });

  test('a hand edit inside the block fails too', () => {
    const good = propsDocs(FIXTURE, [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }], readFile);
    const edited = good.readmes[0].expected.replace('| `RemovalPolicy.RETAIN` |', '| `DESTROY` |');
    const result = propsDocs(FIXTURE, [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }], () => edited);
    expect(() => assertPropsDocsCurrent(result)).toThrow('stale props tables');
  });

  test('a prop without a description, or optional without @default, fails with where it is', () => {
    const broken: SourceText[] = [
      {
        file: 'lib/demo/broken.ts',
        text: [
          '/** Props of Broken. */',
          'export interface BrokenProps {',
          '  readonly undocumented: string;',
          '  /** @default 5 */',
          '  readonly onlyDefault?: number;',
          '  /** Documented, but says nothing of what happens without it. */',
          '  readonly noDefault?: boolean;',
          '  /**',
          '   * Required, yet claims a default.',
          '   * @default 1',
          '   */',
          '  readonly contradictory: number;',
          '}',
        ].join('\n'),
      },
    ];
    const index = indexInterfaces(broken);
    expect(docProblems(userFacingInterfaces(index), index)).toEqual([
      'lib/demo/broken.ts:3 BrokenProps.undocumented: no JSDoc description',
      'lib/demo/broken.ts:5 BrokenProps.onlyDefault: no JSDoc description',
      'lib/demo/broken.ts:7 BrokenProps.noDefault: optional but no @default tag (say what happens without it)',
      'lib/demo/broken.ts:12 BrokenProps.contradictory: required but has a @default tag',
    ]);
    const result = propsDocs(broken, [], readFile);
    expect(() => assertPropsDocsCurrent(result)).toThrow('BrokenProps.undocumented: no JSDoc description');
  });

  test('nested interfaces are checked too, whatever their name', () => {
    const nested = FIXTURE.map((f) => ({
      ...f,
      text: f.text.replace('/** Worker name: letters | digits. */', ''),
    }));
    const index = indexInterfaces(nested);
    expect(userFacingInterfaces(index)).toEqual(['DemoBaseProps', 'DemoProps', 'WorkerProps']);
    expect(docProblems(userFacingInterfaces(index), index)).toEqual([
      'lib/demo/demo.ts:8 WorkerProps.name: no JSDoc description',
    ]);
  });

  test('a README without the markers is an error, not a silently skipped README', () => {
    expect(() => readmeWithProps('# Demo\n', 'x', 'lib/demo/README.md')).toThrow(
      'lib/demo/README.md: the <!-- props:start --> / <!-- props:end --> markers are missing',
    );
    expect(() =>
      propsDocs(FIXTURE, [{ readme: 'lib/demo/README.md', roots: ['DemoProps'] }], () => '# Demo\n'),
    ).toThrow('markers are missing');
  });

  test('an unknown root or two interfaces of one name are errors', () => {
    expect(() => renderPropsBlock(['NoSuchProps'], indexInterfaces(FIXTURE))).toThrow(
      'no exported interface NoSuchProps',
    );
    expect(() => indexInterfaces([...FIXTURE, { ...FIXTURE[0], file: 'lib/demo/copy.ts' }])).toThrow(
      'interface DemoBaseProps is exported by both lib/demo/base.ts and lib/demo/copy.ts',
    );
  });
});
