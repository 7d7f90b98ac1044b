// The shell blocks of the READMEs, read the way bash reads them: what `test/docs/readme-shell-blocks.test.ts`
// checks in `npm test`, and what `scripts/check-readme-cli.ts` runs against the AWS CLI in CI.
// No imports beyond Node: the CLI check runs it with tsx before anything else is built.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** One fenced ```bash, ```sh or ```shell block. */
export interface ShellBlock {
  /** README path, relative to the repository root. */
  readonly file: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
  /** The block's text, without the fences. */
  readonly text: string;
}

/** The top README and every pattern README (`lib/<pattern>/README.md`), relative to `root`. */
export function readmeFiles(root: string): string[] {
  const patterns = fs
    .readdirSync(path.join(root, 'lib'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'lib', d.name, 'README.md')))
    .map((d) => `lib/${d.name}/README.md`)
    .sort();
  return ['README.md', ...patterns];
}

/** The shell blocks of a markdown text, in order. */
export function shellBlocks(markdown: string, file: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(bash|sh|shell)\s*$/.exec(lines[i]);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].trim().startsWith(open[2]); j++) body.push(lines[j]);
    blocks.push({ file, line: i + 1, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** One command line as bash reads it: continuation lines joined, a quoted string spanning lines kept whole. */
export interface LogicalLine {
  /** Line of the block (1-based) it starts on. */
  readonly line: number;
  /** As written, comments included. */
  readonly raw: string;
  /** Without comments. */
  readonly code: string;
}

/**
 * Walks shell text and reports, for each character, whether it is code (not inside quotes, or inside a
 * `$(...)` within quotes) and where unquoted comments start. Enough of bash's quoting for README blocks:
 * single and double quotes, backslash escapes, nested `$(...)`.
 */
function scan(text: string): { codeAt: boolean[]; comments: Array<[number, number]>; open: boolean } {
  type Ctx = 'top' | 'subst' | 'squote' | 'dquote';
  const stack: Ctx[] = ['top'];
  const codeAt: boolean[] = [];
  const comments: Array<[number, number]> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const ctx = stack[stack.length - 1];
    codeAt[i] = ctx === 'top' || ctx === 'subst';
    if (ctx === 'squote') {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === '\\') {
      codeAt[i + 1] = codeAt[i];
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      stack.push('subst');
      codeAt[i + 1] = true;
      i++;
      continue;
    }
    if (ctx === 'dquote') {
      if (c === '"') stack.pop();
      continue;
    }
    if (c === "'") stack.push('squote');
    else if (c === '"') stack.push('dquote');
    else if (c === ')' && ctx === 'subst') stack.pop();
    else if (c === '#' && (i === 0 || /[\s;|&(]/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      comments.push([i, stop]);
      for (let k = i; k < stop; k++) codeAt[k] = false;
      i = stop - 1;
    }
  }
  return { codeAt, comments, open: stack.length > 1 };
}

/** The text without its comments. */
export function stripComments(text: string): string {
  const { comments } = scan(text);
  let out = '';
  let from = 0;
  for (const [start, end] of comments) {
    out += text.slice(from, start);
    from = end;
  }
  return (out + text.slice(from)).replace(/[ \t]+$/gm, '');
}

/** The block's command lines: continuations joined, multi-line quoted strings kept in one line. */
export function logicalLines(text: string): LogicalLine[] {
  const lines = text.split('\n');
  const result: LogicalLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let raw = lines[i];
    for (;;) {
      const continued = /\\$/.test(stripComments(raw)) && i + 1 < lines.length;
      if (continued) {
        raw = `${raw.replace(/\s*\\$/, '')} ${lines[++i].trimStart()}`;
        continue;
      }
      if (scan(raw).open && i + 1 < lines.length) {
        raw = `${raw}\n${lines[++i]}`;
        continue;
      }
      break;
    }
    const code = stripComments(raw);
    if (code.trim() !== '') result.push({ line: start + 1, raw, code });
  }
  return result;
}

/** The end (exclusive) of the command starting at `start`: the first unquoted `;`, `|`, `&`, `>`, `<`, newline or unmatched `)`. */
function commandEnd(code: string, start: number): number {
  const { codeAt } = scan(code);
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    if (!codeAt[i]) continue;
    const c = code[i];
    if (c === '$' && code[i + 1] === '(') {
      depth++;
      i++;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    } else if (depth === 0 && /[;|&<>\n]/.test(c)) return i;
  }
  return code.length;
}

/** Every `aws <service> ...` command of a comment-free line (also inside `$(...)`), as written. */
export function awsCommands(code: string): string[] {
  const { codeAt } = scan(code);
  const found: string[] = [];
  const re = /\baws\s+[a-z0-9][a-z0-9-]*/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    if (!codeAt[m.index]) continue;
    const before = code.slice(0, m.index).replace(/\s+$/, '');
    const atCommand =
      before === '' ||
      /[;|&({!]$/.test(before) ||
      /\$\($/.test(before) ||
      /(^|[\s;])(do|then|else|if|while|until|time)$/.test(before);
    if (atCommand) found.push(code.slice(m.index, commandEnd(code, m.index)).trim());
  }
  return found;
}

/**
 * Replaces every outermost `$(...)` of a command with `replace(<its inside>)`; quoting around it is kept,
 * so a placeholder without spaces or quotes keeps the command's words as they were.
 */
export function replaceSubstitutions(command: string, replace: (inside: string) => string): string {
  const { codeAt } = scan(command);
  let out = '';
  for (let i = 0; i < command.length; i++) {
    if (command[i] === '$' && command[i + 1] === '(' && codeAt[i + 1]) {
      let depth = 0;
      let j = i + 1;
      for (; j < command.length; j++) {
        if (!codeAt[j]) continue;
        if (command[j] === '(') depth++;
        else if (command[j] === ')' && --depth === 0) break;
      }
      out += replace(command.slice(i + 2, j));
      i = j;
    } else out += command[i];
  }
  return out;
}

/** A stack output a block reads: `--stack-name S ... OutputKey=='K'`, or a helper like `out K`. */
export interface OutputRead {
  readonly stack: string;
  readonly key: string;
  /** Line of the block (1-based). */
  readonly line: number;
}

/** What the checks compare the blocks with. */
export interface CheckContext {
  /** Output keys each demo stack declares, by stack name. */
  readonly outputs: ReadonlyMap<string, ReadonlySet<string>>;
  /** The scripts of package.json. */
  readonly npmScripts: ReadonlySet<string>;
}

const READS_OUTPUT =
  /describe-stacks\b[^\n]*?--stack-name[\s=]+("?)([^\s"]+)\1[^\n]*?OutputKey==\\?'([^']+)'/g;

/**
 * The values a README assigns to a variable (`NAME=Billing`, `STACK=RefArch-X`) or loops it over
 * (`for name in A B C`), from the code of all its blocks.
 */
function variableValues(code: string): Map<string, Set<string>> {
  const values = new Map<string, Set<string>>();
  const add = (name: string, value: string) => {
    if (!values.has(name)) values.set(name, new Set());
    values.get(name)!.add(value);
  };
  for (const m of code.matchAll(/(?:^|[\s;])([A-Za-z_]\w*)=([A-Za-z0-9_.:/-]+)(?=[\s;]|$)/gm))
    add(m[1], m[2]);
  for (const m of code.matchAll(/\bfor\s+([A-Za-z_]\w*)\s+in\s+([^;\n]+?)\s*;/g)) {
    for (const word of m[2].trim().split(/\s+/)) if (/^[A-Za-z0-9_.:/-]+$/.test(word)) add(m[1], word);
  }
  return values;
}

/** Every spelling of a word with `$v` / `${v}` replaced by the values the README gives v; undefined if one has none. */
function expand(word: string, values: Map<string, Set<string>>): string[] | undefined {
  const m = /\$\{?([A-Za-z_]\w*)\}?/.exec(word);
  if (!m) return [word];
  const options = values.get(m[1]);
  if (!options) return undefined;
  const result: string[] = [];
  for (const v of options) {
    const rest = expand(word.slice(0, m.index) + v + word.slice(m.index + m[0].length), values);
    if (!rest) return undefined;
    result.push(...rest);
  }
  return result;
}

/**
 * The stack outputs a README's blocks read, and the reads it cannot resolve to a stack and a key
 * (a variable with no value in the README).
 */
export function outputReads(blocks: readonly ShellBlock[]): { reads: OutputRead[]; unresolved: string[] } {
  const reads: OutputRead[] = [];
  const unresolved: string[] = [];
  const allCode = blocks.map((b) => stripComments(b.text)).join('\n');
  const values = variableValues(allCode);
  // Helpers such as `out() { aws cloudformation describe-stacks --stack-name S --query "...=='$1'..." }`.
  const helpers = new Map<string, string>();
  for (const m of allCode.matchAll(
    /\b([A-Za-z_]\w*)\s*\(\)\s*\{[^}]*?describe-stacks\b[^}]*?--stack-name[\s=]+("?)([^\s"]+)\2[^}]*?OutputKey==\\?'\$1'/g,
  )) {
    helpers.set(m[1], m[3]);
  }
  for (const block of blocks) {
    for (const l of logicalLines(block.text)) {
      const where = `${block.file}:${block.line + l.line}`;
      const stackNames = (name: string) => expand(name, values);
      for (const m of l.code.matchAll(READS_OUTPUT)) {
        if (m[3] === '$1') continue;
        const stacks = stackNames(m[2]);
        if (!stacks) unresolved.push(`${where}: stack name ${m[2]} has no value in the README`);
        else for (const stack of stacks) reads.push({ stack, key: m[3], line: block.line + l.line });
      }
      for (const [helper, stack] of helpers) {
        const call = new RegExp(
          `(?:\\$\\(|^|[;&|]\\s*|\\b(?:do|then|else)\\s+)${helper}\\s+"?([^\\s)"';|&]+)`,
          'gm',
        );
        for (const m of l.code.matchAll(call)) {
          const keys = expand(m[1], values);
          const stacks = stackNames(stack);
          if (!keys || !stacks) {
            unresolved.push(`${where}: ${helper} ${m[1]}: a variable has no value in the README`);
            continue;
          }
          for (const s of stacks)
            for (const key of keys) reads.push({ stack: s, key, line: block.line + l.line });
        }
      }
    }
  }
  return { reads, unresolved };
}

/** `bash -n` of a block: the syntax error, or undefined. */
export function bashSyntaxError(text: string): string | undefined {
  const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.status === 0 ? undefined : r.stderr.trim();
}

/** Whether a comment-free line deploys with the production profile. */
const PRODUCTION_DEPLOY = (code: string) =>
  /\bcdk\s+deploy\b/.test(code) && /profile=production\b/.test(code);

/** What is wrong with one README's shell blocks; empty when nothing is. */
export function checkBlocks(
  blocks: readonly ShellBlock[],
  context: CheckContext,
  options: { readonly syntax?: boolean } = {},
): string[] {
  const problems: string[] = [];
  for (const block of blocks) {
    const at = `${block.file}:${block.line}`;
    const syntax = options.syntax === false ? undefined : bashSyntaxError(block.text);
    if (syntax) problems.push(`${at}: bash -n: ${syntax}`);
    const lines = logicalLines(block.text);
    const production = lines.find((l) => PRODUCTION_DEPLOY(l.code));
    if (production) {
      const other = lines.find(
        (l) =>
          /\bcdk\s+destroy\b/.test(l.code) ||
          (/\bcdk\s+deploy\b/.test(l.code) && !PRODUCTION_DEPLOY(l.code)) ||
          awsCommands(l.code).length > 0 ||
          /(^|[\s;|&(])curl\s/.test(l.code),
      );
      if (other) {
        problems.push(
          `${at}: a live production deploy (line ${block.line + production.line}) in a block that also destroys ` +
            `or tries a stack (line ${block.line + other.line}: ${other.code.trim().slice(0, 80)}); comment it out ` +
            `or give it a block of its own`,
        );
      }
    }
    for (const l of lines) {
      const where = `${block.file}:${block.line + l.line}`;
      for (const m of l.code.matchAll(/(\$\(|`)\s*aws\s+configure\s+get\s+region\b/g)) {
        const before = l.code.slice(0, m.index);
        if (!/\$\{AWS_REGION:-\s*$/.test(before)) {
          problems.push(
            `${where}: $(aws configure get region) without the AWS_REGION fallback: use \${AWS_REGION:-$(aws configure get region)}`,
          );
        }
      }
      for (const m of l.code.matchAll(/\bnpm\s+run(?:-script)?\s+([A-Za-z0-9:._-]+)/g)) {
        if (!context.npmScripts.has(m[1]))
          problems.push(`${where}: npm run ${m[1]}: package.json has no such script`);
      }
    }
  }
  const { reads, unresolved } = outputReads(blocks);
  problems.push(...unresolved);
  for (const r of reads) {
    const declared = context.outputs.get(r.stack);
    if (!declared)
      problems.push(
        `${blocks[0]?.file}:${r.line}: reads output ${r.key} of ${r.stack}, which is not a demo stack`,
      );
    else if (!declared.has(r.key)) {
      problems.push(
        `${blocks[0]?.file}:${r.line}: reads output ${r.key} of ${r.stack}, which declares only ${[...declared].sort().join(', ')}`,
      );
    }
  }
  return problems;
}
