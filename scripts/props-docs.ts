// Writes the props tables of the pattern READMEs from the JSDoc of the props interfaces, so the
// defaults a learner reads are the ones the code documents (and a test keeps both in step).
//   npm run docs:props             (rewrite the blocks between the props markers)
//   npm run docs:props -- --check  (exit 1 when a block is stale or a prop is undocumented)
//
// It parses lib/**/*.ts with the TypeScript compiler API (syntax only, no type-checking: fast, and the
// same text the reader sees). For each README it documents the listed root interfaces, every project
// interface they extend (the inherited props are listed with the interface's own), and every project
// interface a prop's type refers to (per-subscriber, per-route... props get a table of their own).
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { markedBlockOf, markers, withMarkedBlock } from './marked-block';

export const ROOT = path.join(__dirname, '..');
export const { start: PROPS_START, end: PROPS_END } = markers('props');

/** One README and the interfaces its props block documents, in this order. */
export interface PropsReadme {
  /** Path from the repository root. */
  readonly readme: string;
  /** Exported interfaces to document; the interfaces they use follow each of them. */
  readonly roots: readonly string[];
}

export const PROPS_READMES: readonly PropsReadme[] = [
  { readme: 'lib/core/README-network.md', roots: ['ReferenceVpcProps'] },
  { readme: 'lib/multi-az-database/README.md', roots: ['MultiAzDatabaseProps', 'MultiAzDatabaseStackProps'] },
  { readme: 'lib/kinesis-pipeline/README.md', roots: ['KinesisPipelineProps', 'KinesisPipelineStackProps'] },
  { readme: 'lib/sns-sqs-fanout/README.md', roots: ['SnsSqsFanoutProps', 'SnsSqsFanoutStackProps'] },
  {
    readme: 'lib/three-tier-web-app/README.md',
    roots: ['ThreeTierWebAppProps', 'ThreeTierWebAppStackProps'],
  },
  { readme: 'lib/cognito-api/README.md', roots: ['CognitoProtectedApiProps', 'CognitoApiStackProps'] },
  { readme: 'lib/static-site/README.md', roots: ['StaticSiteProps', 'StaticSiteStackProps'] },
  {
    readme: 'lib/s3-events/README.md',
    roots: ['S3EventPipelineProps', 'S3EventPipelineStackProps', 'UploadUrlRouteProps'],
  },
  { readme: 'lib/queue-workers/README.md', roots: ['QueueWorkerFleetProps', 'QueueWorkersStackProps'] },
  { readme: 'lib/cache-tier/README.md', roots: ['CacheClusterProps'] },
];

/** A source file: path from the repository root, and its text. */
export interface SourceText {
  readonly file: string;
  readonly text: string;
}

/** An exported interface as parsed, before it is documented. */
export interface ParsedInterface {
  readonly name: string;
  readonly file: string;
  readonly node: ts.InterfaceDeclaration;
  readonly sourceFile: ts.SourceFile;
}

/** The exported interfaces of a set of sources, by name. */
export type InterfaceIndex = ReadonlyMap<string, ParsedInterface>;

export interface PropDoc {
  readonly name: string;
  /** The type as written in the source, on one line. */
  readonly type: string;
  readonly optional: boolean;
  /** Text of the `@default` tag, if any. */
  readonly defaultValue?: string;
  /** The JSDoc description (all paragraphs; the table shows the first). */
  readonly description: string;
  /** The project interface the prop comes from, when inherited. */
  readonly inheritedFrom?: string;
  /** Where the prop is declared, `file:line`, for error messages. */
  readonly location: string;
}

export interface InterfaceDoc {
  readonly name: string;
  readonly file: string;
  readonly description: string;
  readonly props: PropDoc[];
  /** Base interfaces from outside the project, e.g. `StackProps` from aws-cdk-lib. */
  readonly externalBases: { readonly name: string; readonly from?: string }[];
  /** Project interfaces the props' types refer to, in prop order. */
  readonly uses: { readonly interfaceName: string; readonly prop: string }[];
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Parses the sources and indexes their exported interfaces; two with the same name are an error. */
export function indexInterfaces(sources: readonly SourceText[]): InterfaceIndex {
  const index = new Map<string, ParsedInterface>();
  for (const { file, text } of sources) {
    const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    for (const node of sourceFile.statements) {
      if (!ts.isInterfaceDeclaration(node) || !isExported(node)) continue;
      const name = node.name.text;
      const other = index.get(name);
      if (other)
        throw new Error(`props-docs: interface ${name} is exported by both ${other.file} and ${file}`);
      index.set(name, { name, file, node, sourceFile });
    }
  }
  return index;
}

/** The JSDoc block closest to a node (the one right above it), if any. */
function jsDocOf(node: ts.Node): ts.JSDoc | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  return docs[docs.length - 1];
}

const commentText = (comment: string | ts.NodeArray<ts.JSDocComment> | undefined) =>
  (ts.getTextOfJSDocComment(comment) ?? '').trim();

function lineOf(sourceFile: ts.SourceFile, node: ts.Node): number {
  return sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
}

/** The module an identifier of the file is imported from, e.g. `aws-cdk-lib` for `StackProps`. */
function importedFrom(sourceFile: ts.SourceFile, identifier: string): string | undefined {
  for (const s of sourceFile.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const bindings = s.importClause?.namedBindings;
    if (
      bindings &&
      ts.isNamedImports(bindings) &&
      bindings.elements.some((e) => e.name.text === identifier)
    ) {
      return s.moduleSpecifier.text;
    }
  }
  return undefined;
}

/** Names of project interfaces a type refers to (`FanoutSubscriberProps[]`, `{ a: ApiRoute }`...). */
function referencedInterfaces(type: ts.TypeNode | undefined, index: InterfaceIndex): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && index.has(node.typeName.text)) {
      if (!found.includes(node.typeName.text)) found.push(node.typeName.text);
    }
    ts.forEachChild(node, visit);
  };
  if (type) visit(type);
  return found;
}

function ownProps(parsed: ParsedInterface): PropDoc[] {
  const props: PropDoc[] = [];
  for (const member of parsed.node.members) {
    if (!ts.isPropertySignature(member)) continue;
    const doc = jsDocOf(member);
    const defaultTag = doc?.tags?.find((t) => t.tagName.text === 'default');
    props.push({
      name: member.name.getText(parsed.sourceFile),
      type: member.type ? oneLine(member.type.getText(parsed.sourceFile)) : 'any',
      optional: member.questionToken !== undefined,
      defaultValue: defaultTag ? oneLine(commentText(defaultTag.comment)) : undefined,
      description: commentText(doc?.comment),
      location: `${parsed.file}:${lineOf(parsed.sourceFile, member)}`,
    });
  }
  return props;
}

/** Documents one interface: its own props, then those of the project interfaces it extends. */
export function documentInterface(name: string, index: InterfaceIndex): InterfaceDoc {
  const parsed = index.get(name);
  if (!parsed) throw new Error(`props-docs: no exported interface ${name} under lib/`);
  const props = ownProps(parsed);
  const externalBases: { name: string; from?: string }[] = [];
  for (const clause of parsed.node.heritageClauses ?? []) {
    for (const base of clause.types) {
      let baseName = base.expression.getText(parsed.sourceFile);
      // `extends Omit<Base, 'a' | 'b'>`: the props of Base, less the omitted ones.
      const omitted = new Set<string>();
      const [omitBase, omitKeys] = base.typeArguments ?? [];
      if (baseName === 'Omit' && omitBase && omitKeys) {
        baseName = omitBase.getText(parsed.sourceFile);
        const keys = ts.isUnionTypeNode(omitKeys) ? omitKeys.types : [omitKeys];
        for (const k of keys) {
          if (ts.isLiteralTypeNode(k) && ts.isStringLiteral(k.literal)) omitted.add(k.literal.text);
        }
      }
      if (index.has(baseName)) {
        const inherited = documentInterface(baseName, index);
        for (const p of inherited.props) {
          if (omitted.has(p.name)) continue;
          if (props.some((own) => own.name === p.name)) continue; // redeclared: the own one wins
          props.push({ ...p, inheritedFrom: p.inheritedFrom ?? baseName });
        }
        externalBases.push(...inherited.externalBases);
      } else {
        const root = baseName.split('.')[0];
        externalBases.push({ name: baseName, from: importedFrom(parsed.sourceFile, root) });
      }
    }
  }
  const uses: { interfaceName: string; prop: string }[] = [];
  for (const member of parsed.node.members) {
    if (!ts.isPropertySignature(member)) continue;
    for (const ref of referencedInterfaces(member.type, index)) {
      uses.push({ interfaceName: ref, prop: member.name.getText(parsed.sourceFile) });
    }
  }
  return {
    name,
    file: parsed.file,
    description: commentText(jsDocOf(parsed.node)?.comment),
    props,
    externalBases,
    uses,
  };
}

/**
 * The interfaces a README documents: each root, then the interfaces its props use (breadth first),
 * each once. `usedIn` says where each nested interface is passed.
 */
export function documentReadme(
  roots: readonly string[],
  index: InterfaceIndex,
): { doc: InterfaceDoc; usedIn: string[] }[] {
  const out: { doc: InterfaceDoc; usedIn: string[] }[] = [];
  const byName = new Map<string, { doc: InterfaceDoc; usedIn: string[] }>();
  for (const root of roots) {
    const queue = [root];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (byName.has(name)) continue;
      const entry = { doc: documentInterface(name, index), usedIn: [] as string[] };
      byName.set(name, entry);
      out.push(entry);
      for (const use of entry.doc.uses) queue.push(use.interfaceName);
    }
  }
  for (const { doc } of out) {
    for (const use of doc.uses) {
      const target = byName.get(use.interfaceName);
      const where = `${doc.name}.${use.prop}`;
      if (target && target.doc.name !== doc.name && !target.usedIn.includes(where)) target.usedIn.push(where);
    }
  }
  return out;
}

// ---- rendering ---------------------------------------------------------------------------------------

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** First paragraph of a JSDoc text, on one line. */
export function firstParagraph(text: string): string {
  return oneLine(text.split(/\n\s*\n/)[0] ?? '');
}

/** `{@link X}` (or `{@link X | text}`) as code: the README has no API pages to link to. */
function links(text: string): string {
  return text.replace(/\{@link\s+([^}|\s]+)[^}]*\}/g, '`$1`');
}

/** Markdown for a table cell: links as code, `|` escaped (GitHub needs it inside code spans too). */
function cell(text: string): string {
  return links(text).replace(/\|/g, '\\|').trim();
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/**
 * The default column. jsii style: `@default - words` is prose; otherwise the leading value (a literal,
 * a quoted string or a call such as `Duration.seconds(30)`) is code and what follows it is prose.
 */
export function renderDefault(prop: Pick<PropDoc, 'optional' | 'defaultValue'>): string {
  if (prop.defaultValue === undefined || prop.defaultValue === '') return prop.optional ? 'none' : 'required';
  const value = prop.defaultValue;
  if (value.startsWith('- ')) return cell(value.slice(2));
  const m = /^('[^']*'|"[^"]*"|[^\s,(]+(?:\([^)]*\))?)(.*)$/.exec(value);
  if (!m) return cell(value);
  return cell(`${code(m[1])}${m[2]}`);
}

const TABLE_HEADER = [
  '| prop | type | required | default | description |',
  '| ---- | ---- | -------- | ------- | ----------- |',
];

/** The table of one interface, with its heading and introduction. */
export function renderInterface(doc: InterfaceDoc, usedIn: readonly string[] = [], heading = '###'): string {
  const lines = [`${heading} \`${doc.name}\``, ''];
  const intro = [
    links(firstParagraph(doc.description)),
    usedIn.length > 0 ? `Passed as ${usedIn.map((u) => `\`${u}\``).join(', ')}.` : '',
    ...doc.externalBases.map(
      (b) =>
        `Also takes every prop of \`${b.name}\`${b.from ? ` (${b.from})` : ''}, which this table does not list.`,
    ),
  ].filter((s) => s !== '');
  if (intro.length > 0) lines.push(intro.join(' '), '');
  lines.push(...TABLE_HEADER);
  for (const p of doc.props) {
    const name = p.inheritedFrom ? `\`${p.name}\` (from \`${p.inheritedFrom}\`)` : `\`${p.name}\``;
    lines.push(
      `| ${name} | ${cell(code(p.type))} | ${p.optional ? 'optional' : 'required'} | ${renderDefault(p)} | ` +
        `${cell(firstParagraph(p.description))} |`,
    );
  }
  return lines.join('\n');
}

/** The whole block between the markers, markers included. */
export function renderPropsBlock(roots: readonly string[], index: InterfaceIndex): string {
  const tables = documentReadme(roots, index).map((e) => renderInterface(e.doc, e.usedIn));
  return [
    PROPS_START,
    '<!-- prettier-ignore-start -->',
    '<!-- Generated by `npm run docs:props` from the JSDoc of the props interfaces. Do not edit: a test fails when it is stale. -->',
    '',
    tables.join('\n\n'),
    '<!-- prettier-ignore-end -->',
    PROPS_END,
  ].join('\n');
}

/** The block currently in a README, markers included, or undefined when it has none. */
export const propsBlockOf = (readme: string): string | undefined => markedBlockOf(readme, 'props');

/** The README with its props block replaced. The markers must be there: they say where the tables go. */
export const readmeWithProps = (readme: string, block: string, name = 'README'): string =>
  withMarkedBlock(readme, 'props', block, name);

// ---- checks ------------------------------------------------------------------------------------------

/** Exported `...Props` interfaces and every project interface their props use: what users pass. */
export function userFacingInterfaces(index: InterfaceIndex): string[] {
  const names = [...index.keys()].filter((n) => n.endsWith('Props'));
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...documentInterface(name, index).uses.map((u) => u.interfaceName));
  }
  return [...seen].sort();
}

/**
 * What is missing from the JSDoc: every prop needs a description, every optional prop a `@default`
 * saying what happens without it (`@default - none` when nothing does), and a required prop none.
 */
export function docProblems(names: readonly string[], index: InterfaceIndex): string[] {
  const problems: string[] = [];
  for (const name of names) {
    const parsed = index.get(name)!;
    for (const p of ownProps(parsed)) {
      const where = `${p.location} ${name}.${p.name}`;
      if (firstParagraph(p.description) === '') problems.push(`${where}: no JSDoc description`);
      if (p.optional && (p.defaultValue === undefined || p.defaultValue === '')) {
        problems.push(`${where}: optional but no @default tag (say what happens without it)`);
      }
      if (!p.optional && p.defaultValue !== undefined) {
        problems.push(`${where}: required but has a @default tag`);
      }
    }
  }
  return problems;
}

// ---- files -------------------------------------------------------------------------------------------

/** Every .ts file under lib/, except declaration files and the Lambda/instance code in runtime/ folders. */
export function libSources(root = ROOT): SourceText[] {
  const lib = path.join(root, 'lib');
  return (fs.readdirSync(lib, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.split('/').includes('runtime'))
    .sort()
    .map((f) => ({ file: `lib/${f}`, text: fs.readFileSync(path.join(lib, f), 'utf8') }));
}

export interface PropsDocsResult {
  /** Per README: its text now and what it should be. */
  readonly readmes: { readonly readme: string; readonly current: string; readonly expected: string }[];
  readonly problems: string[];
}

export function propsDocs(
  sources: readonly SourceText[] = libSources(),
  readmes: readonly PropsReadme[] = PROPS_READMES,
  readFile: (file: string) => string = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8'),
): PropsDocsResult {
  const index = indexInterfaces(sources);
  return {
    readmes: readmes.map((r) => {
      const current = readFile(r.readme);
      return {
        readme: r.readme,
        current,
        expected: readmeWithProps(current, renderPropsBlock(r.roots, index), r.readme),
      };
    }),
    problems: docProblems(userFacingInterfaces(index), index),
  };
}

/** The READMEs whose props block is not what the JSDoc gives now. */
export function staleReadmes(result: PropsDocsResult): string[] {
  return result.readmes.filter((r) => r.current !== r.expected).map((r) => r.readme);
}

/** Throws, naming every stale README and every JSDoc problem: what `--check` and the test enforce. */
export function assertPropsDocsCurrent(result: PropsDocsResult): void {
  const stale = staleReadmes(result);
  const messages = [
    ...(stale.length > 0 ? [`stale props tables in ${stale.join(', ')}: run npm run docs:props`] : []),
    ...result.problems,
  ];
  if (messages.length > 0) throw new Error(messages.join('\n'));
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const result = propsDocs();
  if (!check) {
    for (const r of result.readmes) {
      if (r.current !== r.expected) fs.writeFileSync(path.join(ROOT, r.readme), r.expected);
      console.log(`${r.readme}: ${r.current === r.expected ? 'up to date' : 'rewritten'}`);
    }
  }
  try {
    // After writing, only the JSDoc problems are left to report.
    assertPropsDocsCurrent(check ? result : { ...result, readmes: [] });
    if (check) console.log('props tables are up to date');
  } catch (e) {
    console.error((e as Error).message);
    if (result.problems.length > 0)
      console.error('Fix JSDoc problems in the source, then run npm run docs:props.');
    process.exit(1);
  }
}
