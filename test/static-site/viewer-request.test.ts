// The static site's viewer-request CloudFront Function, exactly as viewerRequestFunctionCode() hands it to
// cloudfront.FunctionCode.fromInline: run in a bare V8 context (what the behaviour tests see), and parsed
// and walked against the rules of the CloudFront Functions JavaScript runtime 2.0 (cloudfront-js-2.0), with
// a small bad snippet proving that each rule can fail. Node is not that runtime: these tests catch the
// documented restrictions, and a deployed `aws cloudfront test-function` remains the final word.
import * as acorn from 'acorn';
import type { CloudFrontFunctionsEvent } from 'aws-lambda';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { viewerRequestFunctionCode } from '../../lib/static-site/viewer-request-code';

const TEMPLATE = path.join(__dirname, '..', '..', 'lib', 'static-site', 'runtime', 'viewer-request.js');

// The pages each rule comes from (AWS CloudFront Developer Guide).
const DOCS = {
  quotas: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html',
  runtime20:
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html',
  restrictions:
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-function-restrictions.html',
  writing: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/writing-function-code.html',
};

// ---------------------------------------------------------------------------------------------------------
// The runtime rules
// ---------------------------------------------------------------------------------------------------------

/** Quotas on CloudFront Functions: "Maximum size of a function: 10 KB". */
const MAX_FUNCTION_BYTES = 10 * 1024;

/**
 * Runtime 2.0, "Core features": ES 5.1 plus some features of ES 6 through 12, so parsed as ES2021 (ES 12);
 * functions always run in strict mode, so parsed as a module (strict, and `import cf from 'cloudfront'`
 * is how the runtime's own helper module is loaded).
 */
const PARSE_OPTIONS: acorn.Options = { ecmaVersion: 2021, sourceType: 'module', locations: true };

/**
 * The syntax the runtime 2.0 page lists, as ESTree node types. Statements: the ES 5.1 list (break, catch,
 * continue, do-while, else, finally, for, for-in, if, label, return, switch, throw, try, var, while), the
 * ES 6 `const` and `let`, the ES 8 `async`/`await`. Operators: every ES 5.1 operator and the ES 7 `**`.
 * Literals: ES 6 template literals. Functions: ES 5.1 functions, ES 6 arrow functions and rest parameters.
 * Everything else is refused, including what the page does not list: for-of, classes, generators,
 * destructuring, spread, default parameters, shorthand and computed properties, optional chaining,
 * `??`, tagged templates, BigInt, dynamic import, exports.
 */
const ALLOWED_NODES = new Set([
  'Program',
  'ImportDeclaration',
  'ImportDefaultSpecifier',
  'FunctionDeclaration',
  'VariableDeclaration',
  'VariableDeclarator',
  'BlockStatement',
  'ExpressionStatement',
  'EmptyStatement',
  'BreakStatement',
  'ContinueStatement',
  'DoWhileStatement',
  'WhileStatement',
  'ForStatement',
  'ForInStatement',
  'IfStatement',
  'LabeledStatement',
  'ReturnStatement',
  'SwitchStatement',
  'SwitchCase',
  'ThrowStatement',
  'TryStatement',
  'CatchClause',
  'Identifier',
  'Literal',
  'ThisExpression',
  'ArrayExpression',
  'ObjectExpression',
  'Property',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'RestElement',
  'UnaryExpression',
  'UpdateExpression',
  'BinaryExpression',
  'LogicalExpression',
  'AssignmentExpression',
  'ConditionalExpression',
  'CallExpression',
  'NewExpression',
  'MemberExpression',
  'SequenceExpression',
  'TemplateLiteral',
  'TemplateElement',
  'AwaitExpression',
]);
/** ES 5.1 assignment operators (the page lists `**` itself, not `**=`, nor ES 12's `&&=`, `||=`, `??=`). */
const ALLOWED_ASSIGNMENTS = new Set([
  '=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '<<=',
  '>>=',
  '>>>=',
  '&=',
  '|=',
  '^=',
]);

/** Restrictions on CloudFront Functions, "Runtime": no dynamic code evaluation. */
const DYNAMIC_CODE = new Set(['eval', 'Function']);
/** Restrictions on CloudFront Functions, "Runtime": access to timers is restricted (no deferring). */
const TIMERS = new Set([
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
]);
/** Restrictions on CloudFront Functions, "Runtime": access to the network and the file system is restricted. */
const HOST_ACCESS = new Set(['fetch', 'XMLHttpRequest', 'WebSocket', 'process', '__dirname', '__filename']);
/** Runtime 2.0, "Built-in modules": `require` loads only these. */
const REQUIRABLE = new Set(['buffer', 'crypto', 'querystring']);
/** Runtime 2.0: the helper module (key value stores, origin modification) is imported, not required. */
const IMPORTABLE = new Set(['cloudfront']);
/**
 * Globals a function may reference: the ES 5.1 global object (the runtime is ES 5.1 compliant) less the
 * dynamic-code constructors, plus the runtime 2.0 built-in objects and `console` (function logs). Anything
 * else (Node's `Buffer` global, `module`, `exports`, browser globals) does not exist there.
 */
const GLOBALS = new Set([
  'NaN',
  'Infinity',
  'undefined',
  'arguments',
  'globalThis',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'Object',
  'Array',
  'String',
  'Boolean',
  'Number',
  'Date',
  'RegExp',
  'Math',
  'JSON',
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'Promise',
  'Symbol',
  'ArrayBuffer',
  'DataView',
  'Uint8Array',
  'console',
  'require',
]);

interface AstNode {
  type: string;
  start: number;
  loc?: { start: { line: number } };
  [key: string]: unknown;
}

function isNode(value: unknown): value is AstNode {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Every node of the tree, with its parent and the key it hangs under, in source order. */
function nodesOf(
  node: AstNode,
  parent?: AstNode,
  key = '',
): Array<{ node: AstNode; parent?: AstNode; key: string }> {
  const found: Array<{ node: AstNode; parent?: AstNode; key: string }> = [{ node, parent, key }];
  for (const [childKey, value] of Object.entries(node)) {
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) if (isNode(child)) found.push(...nodesOf(child, node, childKey));
  }
  return found;
}

/**
 * Identifier nodes that read a variable: not property names after a dot, not object keys, not labels,
 * not the names a declaration introduces.
 */
function isReference(node: AstNode, parent: AstNode | undefined, key: string): boolean {
  if (node.type !== 'Identifier' || !parent) return false;
  if (parent.type === 'MemberExpression' && key === 'property' && !parent.computed) return false;
  if (parent.type === 'Property' && key === 'key' && !parent.computed) return false;
  if (/^(LabeledStatement|BreakStatement|ContinueStatement)$/.test(parent.type)) return false;
  return !isDeclaration(node, parent, key);
}

function isDeclaration(_node: AstNode, parent: AstNode, key: string): boolean {
  return (
    (/Function/.test(parent.type) && (key === 'id' || key === 'params')) ||
    (parent.type === 'RestElement' && key === 'argument') ||
    (parent.type === 'VariableDeclarator' && key === 'id') ||
    (parent.type === 'CatchClause' && key === 'param') ||
    (parent.type === 'ImportDefaultSpecifier' && key === 'local')
  );
}

/**
 * What CloudFront Functions runtime 2.0 would refuse in `code`, one message per finding, `[]` when none.
 *
 * Scopes are not resolved: a name declared anywhere in the code counts as declared everywhere, so a global
 * reference hidden by a same-named declaration elsewhere goes unseen. The syntax allowlist keeps the names
 * a declaration can introduce to plain identifiers, which this handles.
 */
function runtimeViolations(code: string): string[] {
  const found: string[] = [];
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > MAX_FUNCTION_BYTES) {
    found.push(`size: ${bytes} bytes, over the ${MAX_FUNCTION_BYTES}-byte function quota (${DOCS.quotas})`);
  }
  let program: AstNode;
  try {
    program = acorn.parse(code, PARSE_OPTIONS) as unknown as AstNode;
  } catch (e) {
    return [...found, `parse: ${(e as Error).message} (ES2021, strict mode: ${DOCS.runtime20})`];
  }
  const at = (node: AstNode) => `line ${node.loc?.start.line}`;
  const nodes = nodesOf(program);

  for (const { node } of nodes) {
    const refuse = (what: string) => found.push(`syntax: ${what} at ${at(node)} (${DOCS.runtime20})`);
    if (!ALLOWED_NODES.has(node.type)) refuse(node.type);
    if (node.type === 'Literal' && node.bigint !== undefined) refuse('BigInt literal');
    if (node.type === 'LogicalExpression' && node.operator === '??') refuse('operator ??');
    if (node.type === 'AssignmentExpression' && !ALLOWED_ASSIGNMENTS.has(node.operator as string)) {
      refuse(`operator ${node.operator}`);
    }
    if (node.type === 'Property' && (node.method || node.shorthand || node.computed)) {
      refuse('method, shorthand or computed property');
    }
    if (/Function/.test(node.type) && node.generator) refuse('generator function');
    // "await can be used inside async functions only. async arguments and closures are not supported."
    if (/Function/.test(node.type) && node.async && node.type !== 'FunctionDeclaration') {
      refuse('async closure');
    }
  }

  const handlers = (program.body as AstNode[]).filter(
    (n) => n.type === 'FunctionDeclaration' && (n.id as AstNode).name === 'handler',
  );
  if (handlers.length !== 1 || (handlers[0].params as AstNode[]).length !== 1) {
    found.push(`handler: no top-level \`function handler(event)\` declaration (${DOCS.writing})`);
  }

  const declared = new Set(
    nodes.filter(
      ({ node, parent, key }) => node.type === 'Identifier' && parent && isDeclaration(node, parent, key),
    ),
  );
  const declaredNames = new Set([...declared].map(({ node }) => node.name as string));
  for (const { node, parent, key } of nodes) {
    if (node.type === 'ImportDeclaration') {
      const source = (node.source as AstNode).value as string;
      if (!IMPORTABLE.has(source))
        found.push(`modules: import of '${source}' at ${at(node)} (${DOCS.runtime20})`);
    }
    if (node.type === 'ImportExpression')
      found.push(`modules: dynamic import() at ${at(node)} (${DOCS.runtime20})`);
    if (node.type === 'CallExpression' && isNode(node.callee) && node.callee.name === 'require') {
      const args = node.arguments as AstNode[];
      const name = args.length === 1 && args[0].type === 'Literal' ? args[0].value : undefined;
      if (typeof name !== 'string' || !REQUIRABLE.has(name)) {
        found.push(
          `modules: require of ${typeof name === 'string' ? `'${name}'` : 'a computed name'} at ${at(node)} (${DOCS.runtime20})`,
        );
      }
    }
    if (!isReference(node, parent, key) || declaredNames.has(node.name as string)) continue;
    const name = node.name as string;
    if (DYNAMIC_CODE.has(name)) {
      found.push(`dynamic code: ${name} at ${at(node)} (${DOCS.restrictions})`);
    } else if (TIMERS.has(name)) {
      found.push(`timers: ${name} at ${at(node)} (${DOCS.restrictions})`);
    } else if (HOST_ACCESS.has(name)) {
      found.push(`network and file system: ${name} at ${at(node)} (${DOCS.restrictions})`);
    } else if (!GLOBALS.has(name)) {
      found.push(`globals: ${name} at ${at(node)} is not a runtime 2.0 global (${DOCS.runtime20})`);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// Running the function
// ---------------------------------------------------------------------------------------------------------

/** A viewer-request event: the type's `response` only comes with viewer-response events. */
type ViewerRequestEvent = Omit<CloudFrontFunctionsEvent, 'response'>;
type Handler = (event: ViewerRequestEvent) => ViewerRequestEvent['request'];

/**
 * A fresh V8 context holds the ECMAScript built-ins and nothing of Node: no require, process, timers,
 * Buffer or console. String code generation is off, so eval and new Function throw as they do in the
 * runtime. The code runs unchanged behind a "use strict" directive on its first line (CloudFront always
 * runs functions in strict mode, and the line numbers stay the same).
 */
function contextFor(code: string): vm.Context {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  new vm.Script(`'use strict';${code}`, { filename: 'viewer-request.js' }).runInContext(context, {
    timeout: 1000,
  });
  return context;
}

function handlerOf(code: string): Handler {
  const handler = contextFor(code).handler as unknown;
  if (typeof handler !== 'function') throw new Error('the code defines no global handler function');
  return handler as Handler;
}

function viewerRequest(uri: string, querystring: ViewerRequestEvent['request']['querystring'] = {}) {
  const event: ViewerRequestEvent = {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
    },
    viewer: { ip: '198.51.100.11' },
    request: {
      method: 'GET',
      uri,
      querystring,
      headers: {
        host: { value: 'www.example.com' },
        accept: {
          value: 'text/html',
          multiValue: [{ value: 'text/html' }, { value: 'application/xhtml+xml' }],
        },
      },
      cookies: { session: { value: 'abc123' } },
    },
  };
  return event;
}

const SITE = viewerRequestFunctionCode({ singlePageApp: false });
const SPA = viewerRequestFunctionCode({ singlePageApp: true });

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe('viewerRequestFunctionCode', () => {
  test('writes the flag into the one placeholder, leaving none behind', () => {
    const template = fs.readFileSync(TEMPLATE, 'utf8');
    expect(template.match(/__[A-Z][A-Z0-9_]*__/g)).toEqual(['__SINGLE_PAGE_APP__']);
    for (const code of [SITE, SPA]) expect(code).not.toMatch(/__[A-Z][A-Z0-9_]*__/);
    expect(SITE).toContain('const SINGLE_PAGE_APP = false;');
    expect(SPA).toContain('const SINGLE_PAGE_APP = true;');
    // Nothing else differs between the two variants, or from the template.
    expect(SPA.replace('SINGLE_PAGE_APP = true;', 'SINGLE_PAGE_APP = false;')).toBe(SITE);
    expect(template.replace('__SINGLE_PAGE_APP__', 'false')).toBe(SITE);
  });

  test('refuses a flag that is not a boolean', () => {
    expect(() => viewerRequestFunctionCode({ singlePageApp: 'yes' as unknown as boolean })).toThrow(
      /singlePageApp must be a boolean, got yes/,
    );
  });
});

describe('the function under the cloudfront-js-2.0 rules', () => {
  test.each([
    ['static site', SITE],
    ['single-page app', SPA],
  ])('the %s variant breaks none of them', (_name, code) => {
    expect(runtimeViolations(code)).toEqual([]);
    expect(Buffer.byteLength(code)).toBeLessThan(MAX_FUNCTION_BYTES / 2);
  });

  test('the run context is bare: no require, process, timers or Buffer, and no eval', () => {
    const context = contextFor(SITE);
    const probe = 'typeof require + typeof process + typeof setTimeout + typeof Buffer + typeof module';
    expect(vm.runInContext(probe, context)).toBe('undefined'.repeat(5));
    expect(() => vm.runInContext('eval("1")', context)).toThrow(/Code generation from strings disallowed/);
    expect(() => vm.runInContext('new Function("return 1")', context)).toThrow(/Code generation/);
  });

  test('a snippet using each documented feature passes (the rules do not refuse what the runtime allows)', () => {
    const allowed = [
      "import cf from 'cloudfront';",
      "const crypto = require('crypto');",
      "var querystring = require('querystring');",
      'async function handler(event) {',
      '  let n = 2 ** 3;',
      '  const join = (...parts) => parts.join(`/${n}`);',
      '  outer: for (var k in event.request.headers) { if (k) continue outer; else break outer; }',
      '  for (let i = 0; i < 1; i++) { n += i; }',
      '  do { n--; } while (n > 100);',
      '  switch (n) { case 1: n = 0; break; default: n = 1; }',
      '  try { throw new TypeError(join("a", "b")); } catch (e) { console.log(e.message); } finally { n = 0; }',
      '  const o = { a: 1, "b": [1, 2], get c() { return this.a; } };',
      '  event.request.uri = await Promise.resolve(o.a > 0 ? event.request.uri : "/");',
      "  crypto.createHash('md5'); querystring.stringify({}); cf.kvs;",
      '  return event.request;',
      '}',
    ].join('\n');
    expect(runtimeViolations(allowed)).toEqual([]);
  });

  const handler = 'function handler(event) { return event.request; }\n';
  test.each([
    ['size', `${handler}// ${'x'.repeat(MAX_FUNCTION_BYTES)}`, /^size: 102\d\d bytes, over the 10240-byte/],
    ['parse (strict mode: with)', 'function handler(event) { with (event) { return request; } }', /^parse: /],
    ['parse (strict mode: octal)', `${handler}var mode = 0755;`, /^parse: /],
    ['parse (ES 13: top-level await)', `${handler}await 1;`, /^parse: /],
    [
      'syntax: for-of',
      'function handler(event) { for (const k of []) {} return event.request; }',
      /ForOfStatement/,
    ],
    ['syntax: class', `${handler}class Rewrite {}`, /ClassDeclaration/],
    ['syntax: destructuring', 'function handler({ request }) { return request; }', /ObjectPattern/],
    [
      'syntax: default parameter',
      'function handler(event = {}) { return event.request; }',
      /AssignmentPattern/,
    ],
    ['syntax: spread', 'function handler(event) { return { ...event.request }; }', /SpreadElement/],
    ['syntax: optional chaining', 'function handler(event) { return event?.request; }', /ChainExpression/],
    ['syntax: ??', 'function handler(event) { return event.request ?? null; }', /operator \?\?/],
    ['syntax: ??=', 'function handler(event) { event.x ??= 1; return event.request; }', /operator \?\?=/],
    [
      'syntax: **=',
      'function handler(event) { var n = 2; n **= 2; return event.request; }',
      /operator \*\*=/,
    ],
    [
      'syntax: shorthand',
      'function handler(event) { var uri = 1; return { uri }; }',
      /shorthand or computed/,
    ],
    ['syntax: generator', `${handler}function* pages() { yield 1; }`, /generator function/],
    [
      'syntax: async closure',
      'function handler(event) { var f = async () => 1; return event.request; }',
      /async closure/,
    ],
    [
      'syntax: tagged template',
      'function handler(event) { String.raw`a`; return event.request; }',
      /TaggedTemplate/,
    ],
    ['syntax: BigInt', `${handler}var big = 1n;`, /BigInt literal/],
    ['syntax: export', `export ${handler}`, /ExportNamedDeclaration/],
    ['handler: missing', 'function main(event) { return event.request; }', /^handler: /],
    ['handler: an arrow function', 'const handler = (event) => event.request;', /^handler: /],
    [
      'handler: not top-level',
      'function outer() { function handler(event) { return event; } }',
      /^handler: /,
    ],
    ['handler: no event parameter', 'function handler() { return {}; }', /^handler: /],
    ['dynamic code: eval', `${handler}eval('1');`, /^dynamic code: eval at line 2/],
    ['dynamic code: new Function', `${handler}new Function('return 1');`, /^dynamic code: Function/],
    ['timers: setTimeout', `${handler}setTimeout(() => 1, 10);`, /^timers: setTimeout/],
    ['timers: setImmediate', `${handler}setImmediate(() => 1);`, /^timers: setImmediate/],
    ['network: fetch', `${handler}fetch('https://example.com');`, /^network and file system: fetch/],
    ['process', `${handler}var env = process.env;`, /^network and file system: process/],
    ['modules: require fs', `${handler}var fs = require('fs');`, /^modules: require of 'fs'/],
    [
      'modules: computed require',
      `${handler}var m = 'crypto'; require(m);`,
      /^modules: require of a computed/,
    ],
    ['modules: import fs', `import fs from 'fs';\n${handler}`, /^modules: import of 'fs'/],
    ['modules: dynamic import', `${handler}import('crypto');`, /^modules: dynamic import/],
    ['globals: Node Buffer global', `${handler}Buffer.from('a');`, /^globals: Buffer at line 2/],
    ['globals: module.exports', `${handler}module.exports = handler;`, /^globals: module/],
    [
      'globals: an undeclared assignment',
      'function handler(event) { uri = 1; return event.request; }',
      /^globals: uri/,
    ],
  ])('refuses %s', (_rule, code, message) => {
    expect(runtimeViolations(code)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe('the function rewrites the URI', () => {
  const site = handlerOf(SITE);
  const spa = handlerOf(SPA);

  // [uri, static site, single-page app]
  test.each([
    ['/', '/index.html', '/index.html'],
    ['/index.html', '/index.html', '/index.html'],
    ['/docs', '/docs/index.html', '/docs'],
    ['/docs/', '/docs/index.html', '/docs/index.html'],
    ['/docs/guide', '/docs/guide/index.html', '/docs/guide'],
    ['/docs/guide/', '/docs/guide/index.html', '/docs/guide/index.html'],
    ['/docs//', '/docs//index.html', '/docs//index.html'],
    ['/assets/app.js', '/assets/app.js', '/assets/app.js'],
    ['/assets/app.min.js', '/assets/app.min.js', '/assets/app.min.js'],
    ['/robots.txt', '/robots.txt', '/robots.txt'],
    ['/.well-known/security.txt', '/.well-known/security.txt', '/.well-known/security.txt'],
    ['/.env', '/.env', '/.env'],
    // A dot in a directory name is not the file's extension.
    ['/a.b/c', '/a.b/c/index.html', '/a.b/c'],
    ['/v1.2/', '/v1.2/index.html', '/v1.2/index.html'],
    // A trailing dot has no extension after it.
    ['/docs.', '/docs./index.html', '/docs.'],
    ['/docs..', '/docs../index.html', '/docs..'],
    // Percent-encoded: judged on the decoded segment as S3 decodes the key, appended to as sent.
    ['/caf%C3%A9', '/caf%C3%A9/index.html', '/caf%C3%A9'],
    ['/file%2Ejs', '/file%2Ejs', '/file%2Ejs'],
    ['/a%2Fb.js', '/a%2Fb.js', '/a%2Fb.js'],
    ['/a.b%2Fc', '/a.b%2Fc/index.html', '/a.b%2Fc'],
    ['/docs%20and%20notes', '/docs%20and%20notes/index.html', '/docs%20and%20notes'],
    // A malformed escape is judged as sent instead of failing the request.
    ['/100%', '/100%/index.html', '/100%'],
    ['/100%.txt', '/100%.txt', '/100%.txt'],
  ])('%s becomes %s (static site) and %s (single-page app)', (uri, expectedSite, expectedSpa) => {
    expect(site(viewerRequest(uri)).uri).toBe(expectedSite);
    expect(spa(viewerRequest(uri)).uri).toBe(expectedSpa);
  });

  test.each([
    ['static site', SITE],
    ['single-page app', SPA],
  ])('the %s variant returns the request itself, with only the URI changed', (_name, code) => {
    const querystring = {
      lang: { value: 'en' },
      tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] },
      empty: { value: '' },
    };
    const event = viewerRequest('/docs/', querystring);
    const before = structuredClone(event);
    const returned = handlerOf(code)(event);
    expect(returned).toBe(event.request);
    expect(returned).toEqual({ ...before.request, uri: '/docs/index.html' });
    expect(returned).not.toHaveProperty('statusCode');
    expect({ ...event, request: undefined }).toEqual({ ...before, request: undefined });
  });

  test('leaves the query string to the query string: a path-like value does not change the URI', () => {
    const event = viewerRequest('/assets/app.js', { next: { value: '/docs/' } });
    expect(site(event)).toMatchObject({ uri: '/assets/app.js', querystring: { next: { value: '/docs/' } } });
  });
});
