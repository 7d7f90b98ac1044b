/**
 * Resolves a synthesized CloudFormation template into the concrete values CloudFormation would give it
 * when the stack is deployed into one fixed test account and Region.
 *
 * Why: a template says `{ "Fn::GetAtt": ["OrderEventsBillingQueueC7CBA107", "Arn"] }` where a policy
 * needs `arn:aws:sqs:eu-west-1:111111111111:RefArch-SnsSqsFanout-OrderEventsBillingQueueC7CBA107-…`.
 * An IAM policy simulation can only compare real strings, so every identity policy, resource policy
 * and key policy is resolved first.
 *
 * How:
 * - Every intrinsic function the CDK emits is evaluated (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::If, …),
 *   the `Conditions` section included. Pseudo parameters (AWS::AccountId, AWS::Region, …) come from the
 *   TestEnvironment; template parameters resolve to their Default.
 * - What `Ref` and `Fn::GetAtt` return depends on the resource type: the table `TYPE_RULES` below has
 *   one entry per type used by the reference stacks. It follows the AWS service specification that the
 *   CDK generates its L1 constructs from (node_modules/aws-cdk/db.json.gz: `cfnRefIdentifier`,
 *   `attributes`, `arnTemplate`) and the "Return values" section of each CloudFormation resource page.
 * - A name the template does not set is generated the way CloudFormation does (stack name, logical id,
 *   random suffix), except that the "random" parts are derived from a hash: the same template always
 *   resolves to the same values, and two resources never share a name.
 * - A value that cannot be known offline (a type or an attribute missing from the table, an
 *   unsupported intrinsic) becomes a marker string such as `UNRESOLVED(Database.Endpoint.Foo)`.
 *   Resolving a whole template never throws for those: callers check the values they use with
 *   `containsUnresolved`.
 * - A template CloudFormation itself would reject throws an Error naming the place: a Ref to a logical
 *   id that does not exist, a malformed intrinsic, a circular reference.
 *
 * Test code only: nothing under lib/ imports this file.
 */
import { createHash } from 'crypto';

// ---------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------

/** The account, Region and stack a template is "deployed" to. */
export interface TestEnvironment {
  /** AWS::AccountId, e.g. `111111111111`. */
  account: string;
  /** AWS::Region, e.g. `eu-west-1`. */
  region: string;
  /** AWS::Partition, e.g. `aws`. */
  partition: string;
  /** AWS::StackName: the CDK stack name, e.g. `RefArch-SnsSqsFanout`. Generated names start with it. */
  stackName: string;
  /** AWS::URLSuffix, e.g. `amazonaws.com`. */
  urlSuffix: string;
}

/**
 * The fixed test account and Region. The stack name differs per template: use
 * `testEnvironment(stackName)` to get a complete TestEnvironment.
 */
export const TEST_ENV: Readonly<Omit<TestEnvironment, 'stackName'>> = Object.freeze({
  account: '111111111111',
  region: 'eu-west-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
});

/** TEST_ENV for one stack, e.g. `testEnvironment('RefArch-SnsSqsFanout')`. */
export function testEnvironment(stackName: string): TestEnvironment {
  return { ...TEST_ENV, stackName };
}

/** One resource of the template, with everything CloudFormation would know about it once deployed. */
export interface ResolvedResource {
  /** Logical id, e.g. `OrderEventsBillingQueueC7CBA107`. */
  logicalId: string;
  /** CloudFormation type, e.g. `AWS::SQS::Queue`. */
  type: string;
  /** The construct path (`Metadata['aws:cdk:path']`), e.g. `RefArch-SnsSqsFanout/OrderEvents/Resource/Resource`. */
  cdkPath?: string;
  /** Properties with every intrinsic evaluated (AWS::NoValue removed, Fn::If branch picked, …). */
  // A resolved template fragment is plain JSON of any shape; `any` lets tests read nested fields
  // (`properties.PolicyDocument.Statement`) without a cast at every step.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  properties: Record<string, any>;
  /** What `{ "Ref": logicalId }` returns for this type: a name, an id, a URL or an ARN. */
  ref: string;
  /** The resource's ARN when it has one (for a log group, the `…:log-group:name:*` form GetAtt returns). */
  arn?: string;
  /** The `Fn::GetAtt` values known for this type, by attribute name (e.g. `Arn`, `QueueName`). */
  attributes: Record<string, string>;
}

/** A template resolved for one TestEnvironment. */
export interface ResolvedTemplate {
  env: TestEnvironment;
  /** Every resource CloudFormation would create, in template order (a resource whose Condition is false is left out). */
  resources: ResolvedResource[];
  /** The outcome of every entry of the template's `Conditions` section. */
  conditions: Record<string, boolean>;
  /** The resource with this logical id; throws when there is none. */
  byLogicalId(id: string): ResolvedResource;
  /** All resources of a CloudFormation type, e.g. `ofType('AWS::IAM::Role')`. */
  ofType(type: string): ResolvedResource[];
  /**
   * The one resource whose construct path ends with `/` + `pathSuffix` (or equals it), e.g.
   * `byPath('Billing/Queue/Resource')`. Throws, listing candidates, when none or several match.
   */
  byPath(pathSuffix: string): ResolvedResource;
  /**
   * Reverse lookup: the resource whose ARN, ARN-valued attribute or Ref is `value` (a log group also
   * by its ARN without ':*'), or undefined. Resources whose Ref is another resource's identity (a
   * BucketPolicy returns the bucket name) are skipped; a value matching several resources throws.
   */
  findByArnOrRef(value: string): ResolvedResource | undefined;
  /** Resolves any fragment in the context of this template, e.g. `resolve({ Ref: 'AWS::Region' })`. */
  resolve(value: unknown): unknown;
}

/** Prefix of the marker strings that stand for values unknown offline: `UNRESOLVED(LogicalId.Attr)`. */
export const UNRESOLVED = 'UNRESOLVED';

/** The marker string for something that cannot be resolved offline. */
export function unresolved(what: string): string {
  return `${UNRESOLVED}(${what})`;
}

/** True when a marker appears anywhere in the value (strings, array items, object keys and values). */
export function containsUnresolved(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(`${UNRESOLVED}(`);
  if (Array.isArray(value)) return value.some(containsUnresolved);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => containsUnresolved(k) || containsUnresolved(v));
  return false;
}

/** Resource types with an entry in the Ref/GetAtt table; any other type resolves to markers. */
export function knownResourceTypes(): string[] {
  return Object.keys(TYPE_RULES).sort();
}

/**
 * Resolves a synthesized template (the JSON object of `Template.fromStack(stack).toJSON()` or of a
 * `*.template.json` file) for a test environment.
 */
export function resolveTemplate(template: unknown, env: TestEnvironment): ResolvedTemplate {
  const t = template as CfnTemplate;
  if (t === null || typeof t !== 'object' || t.Resources === null || typeof t.Resources !== 'object')
    throw new Error('resolveTemplate: expected a CloudFormation template object with a Resources section');

  const resolver = new Resolver(t, env);
  const conditions: Record<string, boolean> = {};
  for (const name of Object.keys(t.Conditions ?? {})) conditions[name] = resolver.condition(name);

  const resources: ResolvedResource[] = [];
  for (const [logicalId, resource] of Object.entries(t.Resources)) {
    if (!resolver.isCreated(logicalId)) continue;
    const identity = resolver.identity(logicalId);
    const cdkPath = resource.Metadata?.['aws:cdk:path'];
    resources.push({
      logicalId,
      type: resource.Type,
      ...(typeof cdkPath === 'string' ? { cdkPath } : {}),
      properties: resolver.properties(logicalId),
      ref: identity.ref,
      ...(identity.arn !== undefined ? { arn: identity.arn } : {}),
      attributes: identity.attributes,
    });
  }
  return new ResolvedTemplateImpl(env, resources, conditions, resolver);
}

// ---------------------------------------------------------------------------------------------------
// Template shape
// ---------------------------------------------------------------------------------------------------

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  Metadata?: Record<string, unknown>;
}

interface CfnParameter {
  Type?: string;
  Default?: unknown;
}

interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, CfnParameter>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
}

/** What CloudFormation knows about a resource once it exists: its Ref, its ARN and its attributes. */
interface Identity {
  ref: string;
  arn?: string;
  attributes: Record<string, string>;
  /**
   * True when Ref returns another resource's identity (a SecretTargetAttachment returns the secret's
   * ARN, a BucketPolicy the bucket's name): the reverse lookup then prefers the other resource.
   */
  refIsAlias?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// The resolver: evaluates intrinsics, conditions, resource identities and properties
// ---------------------------------------------------------------------------------------------------

/** Stands for AWS::NoValue while a value is evaluated: the enclosing object key or array item is dropped. */
const NO_VALUE = Symbol('AWS::NoValue');

/** The intrinsic functions this resolver evaluates; any other `Fn::` becomes a marker. */
const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Sub',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
  'Fn::Contains',
  'Fn::FindInMap',
  'Fn::GetAZs',
  'Fn::Base64',
]);

class Resolver {
  private readonly identities = new Map<string, Identity>();
  private readonly resolvedProperties = new Map<string, Record<string, unknown>>();
  private readonly conditionValues = new Map<string, boolean>();
  /**
   * What is being evaluated right now, outermost first. Meeting an entry of this stack again means
   * a circular reference, which CloudFormation rejects as well ("Circular dependency between resources").
   */
  private readonly inProgress: string[] = [];

  constructor(
    private readonly template: CfnTemplate,
    readonly env: TestEnvironment,
  ) {}

  // --- resources -----------------------------------------------------------------------------------

  /** False when the resource has a Condition that evaluates to false: CloudFormation does not create it. */
  isCreated(logicalId: string): boolean {
    const condition = this.resource(logicalId).Condition;
    return condition === undefined || this.condition(condition);
  }

  /** Ref, ARN and GetAtt values of a resource, computed once from the type table. */
  identity(logicalId: string): Identity {
    const cached = this.identities.get(logicalId);
    if (cached) return cached;
    const resource = this.resource(logicalId);
    const identity = this.guarded(`Resources.${logicalId}`, () => {
      const rule = TYPE_RULES[resource.Type];
      if (!rule) return { ref: unresolved(logicalId), attributes: {} };
      const context = new IdentityContext(logicalId, this.env, (name) =>
        this.evaluate(resource.Properties?.[name], `Resources.${logicalId}.Properties.${name}`),
      );
      const computed = rule(context);
      return { ...computed, attributes: withoutUndefined(computed.attributes) };
    });
    this.identities.set(logicalId, identity);
    return identity;
  }

  /** The resource's properties with every intrinsic evaluated, computed once. */
  properties(logicalId: string): Record<string, unknown> {
    const cached = this.resolvedProperties.get(logicalId);
    if (cached) return cached;
    const resource = this.resource(logicalId);
    const resolved = this.guarded(`Resources.${logicalId}`, () => {
      const value = this.evaluate(resource.Properties ?? {}, `Resources.${logicalId}.Properties`);
      return value === NO_VALUE ? {} : (value as Record<string, unknown>);
    });
    this.resolvedProperties.set(logicalId, resolved);
    return resolved;
  }

  /** Why a resource of the template is not created (its Condition is false), or undefined. */
  notCreatedBecause(logicalId: string): string | undefined {
    const resource = this.template.Resources[logicalId];
    if (!resource || this.isCreated(logicalId)) return undefined;
    return `its Condition '${resource.Condition}' is false in ${this.env.region}`;
  }

  private resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`No resource '${logicalId}' in stack '${this.env.stackName}'`);
    return resource;
  }

  // --- conditions ----------------------------------------------------------------------------------

  /** The value of an entry of the `Conditions` section (entries may refer to each other). */
  condition(name: string): boolean {
    const cached = this.conditionValues.get(name);
    if (cached !== undefined) return cached;
    const conditions = this.template.Conditions ?? {};
    if (!(name in conditions))
      throw new Error(
        `Condition '${name}' is not defined in stack '${this.env.stackName}' ` +
          `(defined: ${Object.keys(conditions).join(', ') || 'none'})`,
      );
    const value = this.guarded(`Conditions.${name}`, () =>
      this.evaluateCondition(conditions[name], `Conditions.${name}`),
    );
    this.conditionValues.set(name, value);
    return value;
  }

  /** A condition expression: `{ "Condition": name }`, a condition function, or a literal true/false. */
  private evaluateCondition(expression: unknown, path: string): boolean {
    if (isSingleKeyObject(expression, 'Condition')) {
      const name = expression.Condition;
      if (typeof name !== 'string') throw new Error(`${path}: Condition must name a condition`);
      return this.condition(name);
    }
    const value = this.evaluate(expression, path);
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new Error(`${path}: expected a condition (true or false), got ${JSON.stringify(value)}`);
  }

  // --- evaluation ----------------------------------------------------------------------------------

  /**
   * Evaluates a template fragment. `path` says where the fragment is (for error messages), e.g.
   * `Resources.Queue.Properties.RedrivePolicy`. May return NO_VALUE (AWS::NoValue).
   */
  evaluate(value: unknown, path: string): unknown {
    if (Array.isArray(value))
      return value.map((item, i) => this.evaluate(item, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;

    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, argument] = entries[0];
      if (INTRINSICS.has(key)) return this.intrinsic(key, argument, `${path}.${key}`);
      if (key.startsWith('Fn::')) return unresolved(`${key} is not supported offline`);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const evaluated = this.evaluate(item, `${path}.${key}`);
      if (evaluated !== NO_VALUE) result[key] = evaluated;
    }
    return result;
  }

  private intrinsic(name: string, argument: unknown, path: string): unknown {
    switch (name) {
      case 'Ref':
        if (typeof argument !== 'string')
          throw new Error(`${path}: Ref takes a logical id or parameter name`);
        return this.ref(argument, path);
      case 'Fn::GetAtt':
        return this.getAtt(argument, path);
      case 'Fn::Join':
        return this.join(argument, path);
      case 'Fn::Sub':
        return this.sub(argument, path);
      case 'Fn::Select':
        return this.select(argument, path);
      case 'Fn::Split':
        return this.split(argument, path);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = expectArray(argument, 3, path);
        if (typeof condition !== 'string') throw new Error(`${path}: Fn::If needs a condition name first`);
        return this.condition(condition)
          ? this.evaluate(whenTrue, `${path}[1]`)
          : this.evaluate(whenFalse, `${path}[2]`);
      }
      case 'Fn::Equals': {
        const [a, b] = expectArray(argument, 2, path).map((v, i) => this.evaluate(v, `${path}[${i}]`));
        if (containsUnresolved(a) || containsUnresolved(b))
          throw new Error(`${path}: cannot decide Fn::Equals offline: ${JSON.stringify([a, b])}`);
        return comparable(a) === comparable(b);
      }
      case 'Fn::Not': {
        const [operand] = expectArray(argument, 1, path);
        return !this.evaluateCondition(operand, `${path}[0]`);
      }
      case 'Fn::And':
      case 'Fn::Or': {
        if (!Array.isArray(argument) || argument.length < 2)
          throw new Error(`${path}: ${name} takes a list of at least two conditions`);
        const values = argument.map((c, i) => this.evaluateCondition(c, `${path}[${i}]`));
        return name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
      }
      case 'Fn::Contains': {
        const [list, item] = expectArray(argument, 2, path).map((v, i) => this.evaluate(v, `${path}[${i}]`));
        if (!Array.isArray(list)) throw new Error(`${path}: Fn::Contains needs a list first`);
        return list.some((element) => comparable(element) === comparable(item));
      }
      case 'Fn::FindInMap':
        return this.findInMap(argument, path);
      case 'Fn::GetAZs': {
        // The test Region has three Availability Zones, a, b and c. '' means "the stack's Region".
        const region = this.evaluate(argument, path);
        const r = region === '' || region === undefined ? this.env.region : String(region);
        return [`${r}a`, `${r}b`, `${r}c`];
      }
      case 'Fn::Base64': {
        const text = this.evaluate(argument, path);
        if (typeof text !== 'string') throw new Error(`${path}: Fn::Base64 takes a string`);
        // Encoding a marker would hide it from containsUnresolved: keep it visible instead.
        if (containsUnresolved(text)) return unresolved(`Fn::Base64 of a value containing ${UNRESOLVED}`);
        return Buffer.from(text, 'utf8').toString('base64');
      }
      default:
        throw new Error(`${path}: unexpected intrinsic ${name}`);
    }
  }

  /** Ref: a pseudo parameter, a template parameter (its Default) or a resource (per the type table). */
  private ref(name: string, path: string): unknown {
    const env = this.env;
    switch (name) {
      case 'AWS::AccountId':
        return env.account;
      case 'AWS::Region':
        return env.region;
      case 'AWS::Partition':
        return env.partition;
      case 'AWS::URLSuffix':
        return env.urlSuffix;
      case 'AWS::StackName':
        return env.stackName;
      case 'AWS::StackId':
        return `arn:${env.partition}:cloudformation:${env.region}:${env.account}:stack/${env.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) return parameterValue(name, parameter);
    if (this.template.Resources[name]) {
      if (!this.isCreated(name))
        return unresolved(
          `${name}, not created: its condition ${this.template.Resources[name].Condition} is false`,
        );
      this.checkNotInProgress(name, path);
      return this.identity(name).ref;
    }
    throw new Error(
      `${path}: Ref to '${name}', which is neither a pseudo parameter, a parameter nor a resource`,
    );
  }

  /** Fn::GetAtt, in its array form `["Id", "Attr"]` or string form `"Id.Attr"`. */
  private getAtt(argument: unknown, path: string): unknown {
    let logicalId: unknown;
    let attribute: unknown;
    if (typeof argument === 'string') {
      // Only the first dot separates the logical id: 'Db.Endpoint.Address' is attribute 'Endpoint.Address'.
      const dot = argument.indexOf('.');
      if (dot < 0) throw new Error(`${path}: Fn::GetAtt string form must be 'LogicalId.Attribute'`);
      [logicalId, attribute] = [argument.slice(0, dot), argument.slice(dot + 1)];
    } else {
      [logicalId, attribute] = expectArray(argument, 2, path);
      attribute = this.evaluate(attribute, `${path}[1]`);
    }
    if (typeof logicalId !== 'string' || typeof attribute !== 'string')
      throw new Error(`${path}: Fn::GetAtt needs a logical id and an attribute name`);
    const resource = this.template.Resources[logicalId];
    if (!resource)
      throw new Error(`${path}: Fn::GetAtt of '${logicalId}', which is not a resource of the template`);
    if (!this.isCreated(logicalId))
      return unresolved(
        `${logicalId}.${attribute}, not created: its condition ${resource.Condition} is false`,
      );
    this.checkNotInProgress(logicalId, path);
    return this.identity(logicalId).attributes[attribute] ?? unresolved(`${logicalId}.${attribute}`);
  }

  /** Fn::Join: `[delimiter, [values]]`. */
  private join(argument: unknown, path: string): unknown {
    const [delimiter, list] = expectArray(argument, 2, path);
    if (typeof delimiter !== 'string') throw new Error(`${path}: Fn::Join delimiter must be a string`);
    const values = this.evaluate(list, `${path}[1]`);
    if (isMarker(values)) return values; // e.g. the list was an unknown list-valued attribute
    if (!Array.isArray(values))
      throw new Error(`${path}: Fn::Join needs a list, got ${JSON.stringify(values)}`);
    return values.map((v, i) => scalarToString(v, `${path}[1][${i}]`)).join(delimiter);
  }

  /** Fn::Sub: `"text ${Name} ${Id.Attr} ${!Literal}"` or `["text", { Name: value }]`. */
  private sub(argument: unknown, path: string): unknown {
    let text: unknown = argument;
    let variables: Record<string, unknown> = {};
    if (Array.isArray(argument)) {
      const [t, vars] = expectArray(argument, 2, path);
      text = t;
      if (vars === null || typeof vars !== 'object' || Array.isArray(vars))
        throw new Error(`${path}: Fn::Sub variables must be an object`);
      variables = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [k, this.evaluate(v, `${path}[1].${k}`)]),
      );
    }
    if (typeof text !== 'string') throw new Error(`${path}: Fn::Sub needs a string`);
    return text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`; // ${!Literal} writes ${Literal}
      if (name in variables) return scalarToString(variables[name], `${path}.\${${name}}`);
      const value =
        name.includes('.') && !name.startsWith('AWS::')
          ? this.getAtt(name, `${path}.\${${name}}`)
          : this.ref(name, `${path}.\${${name}}`);
      return scalarToString(value, `${path}.\${${name}}`);
    });
  }

  /** Fn::Select: `[index, [values]]`. */
  private select(argument: unknown, path: string): unknown {
    const [indexArg, listArg] = expectArray(argument, 2, path);
    const index = Number(this.evaluate(indexArg, `${path}[0]`));
    const list = this.evaluate(listArg, `${path}[1]`);
    if (isMarker(list)) return list; // cannot pick an item of an unknown list
    if (!Array.isArray(list))
      throw new Error(`${path}: Fn::Select needs a list, got ${JSON.stringify(list)}`);
    if (!Number.isInteger(index) || index < 0 || index >= list.length)
      throw new Error(`${path}: Fn::Select index ${index} is out of range for ${JSON.stringify(list)}`);
    return list[index];
  }

  /** Fn::Split: `[delimiter, text]`. */
  private split(argument: unknown, path: string): unknown {
    const [delimiter, source] = expectArray(argument, 2, path);
    if (typeof delimiter !== 'string') throw new Error(`${path}: Fn::Split delimiter must be a string`);
    const text = this.evaluate(source, `${path}[1]`);
    if (typeof text !== 'string') throw new Error(`${path}: Fn::Split needs a string`);
    // Splitting a marker could cut it apart and lose it: the whole text stays one (unknown) list.
    if (containsUnresolved(text)) return text;
    return text.split(delimiter);
  }

  /** Fn::FindInMap: `[map, topKey, secondKey]`, optionally with `{ DefaultValue: … }` as a fourth item. */
  private findInMap(argument: unknown, path: string): unknown {
    if (!Array.isArray(argument) || argument.length < 3 || argument.length > 4)
      throw new Error(`${path}: Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey, {DefaultValue}?]`);
    const [mapName, topKey, secondKey] = argument
      .slice(0, 3)
      .map((v, i) => scalarToString(this.evaluate(v, `${path}[${i}]`), `${path}[${i}]`));
    const map = this.template.Mappings?.[mapName];
    if (!map) throw new Error(`${path}: no mapping '${mapName}' in the template`);
    const found = map[topKey]?.[secondKey];
    if (found !== undefined) return this.evaluate(found, `Mappings.${mapName}.${topKey}.${secondKey}`);
    const options = argument[3] as { DefaultValue?: unknown } | undefined;
    if (options && 'DefaultValue' in options)
      return this.evaluate(options.DefaultValue, `${path}[3].DefaultValue`);
    return unresolved(`Fn::FindInMap ${mapName}.${topKey}.${secondKey}`);
  }

  // --- cycle guard ---------------------------------------------------------------------------------

  /** Runs `compute` with `key` on the in-progress stack; throws if `key` is already on it. */
  private guarded<T>(key: string, compute: () => T): T {
    this.throwIfInProgress(key);
    this.inProgress.push(key);
    try {
      return compute();
    } finally {
      this.inProgress.pop();
    }
  }

  /** A Ref or GetAtt of a resource that is being evaluated right now depends on itself. */
  private checkNotInProgress(logicalId: string, path: string): void {
    this.throwIfInProgress(`Resources.${logicalId}`, path);
  }

  /** Throws "Circular reference: A -> B -> A" when `key` is on the in-progress stack. */
  private throwIfInProgress(key: string, path?: string): void {
    const start = this.inProgress.indexOf(key);
    if (start < 0) return;
    const chain = [...this.inProgress.slice(start), key].join(' -> ');
    throw new Error(
      `Circular reference in stack '${this.env.stackName}': ${chain}${path ? ` (at ${path})` : ''}`,
    );
  }
}

/** A template parameter resolves to its Default; list types split it on commas. */
function parameterValue(name: string, parameter: CfnParameter): unknown {
  // SSM-typed parameters (the CDK's BootstrapVersion, an AMI id) would be looked up in Parameter
  // Store at deploy time; offline they resolve to their Default, which is the parameter's path.
  if (parameter.Default === undefined) return unresolved(`Parameter ${name} has no Default`);
  const type = parameter.Type ?? 'String';
  const isList = /^(CommaDelimitedList|List<)/.test(type) || /Value<(List<|CommaDelimitedList)/.test(type);
  return isList ? String(parameter.Default).split(',') : parameter.Default;
}

// ---------------------------------------------------------------------------------------------------
// The resolved template and its lookups
// ---------------------------------------------------------------------------------------------------

class ResolvedTemplateImpl implements ResolvedTemplate {
  constructor(
    readonly env: TestEnvironment,
    readonly resources: ResolvedResource[],
    readonly conditions: Record<string, boolean>,
    private readonly resolver: Resolver,
  ) {}

  byLogicalId(id: string): ResolvedResource {
    const found = this.resources.find((r) => r.logicalId === id);
    if (found) return found;
    const notCreated = this.resolver.notCreatedBecause(id);
    if (notCreated)
      throw new Error(`Resource '${id}' of stack '${this.env.stackName}' is not created: ${notCreated}`);
    // Suggest logical ids that start like the one asked for: a typo, or an id without its hash.
    const shared = (other: string) => {
      let n = 0;
      while (n < id.length && n < other.length && id[n].toLowerCase() === other[n].toLowerCase()) n++;
      return n;
    };
    const similar = this.resources
      .map((r) => r.logicalId)
      .filter((other) => shared(other) >= Math.min(8, Math.max(1, id.length - 1)));
    throw new Error(
      `No resource with logical id '${id}' in stack '${this.env.stackName}'` +
        (similar.length ? `. Logical ids starting like it: ${similar.slice(0, 20).join(', ')}` : ''),
    );
  }

  ofType(type: string): ResolvedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  byPath(pathSuffix: string): ResolvedResource {
    const suffix = pathSuffix.replace(/^\/+/, '');
    const matches = this.resources.filter(
      (r) => r.cdkPath !== undefined && (r.cdkPath === suffix || r.cdkPath.endsWith(`/${suffix}`)),
    );
    if (matches.length === 1) return matches[0];
    const describe = (rs: ResolvedResource[]) =>
      rs
        .slice(0, 30)
        .map((r) => `  ${r.cdkPath} (${r.logicalId}, ${r.type})`)
        .join('\n') + (rs.length > 30 ? `\n  … and ${rs.length - 30} more` : '');
    if (matches.length > 1)
      throw new Error(
        `Construct path suffix '${suffix}' matches ${matches.length} resources in stack '${this.env.stackName}'; ` +
          `give a longer suffix:\n${describe(matches)}`,
      );
    if (!this.resources.some((r) => r.cdkPath))
      throw new Error(
        `No resource of stack '${this.env.stackName}' has construct path metadata ('aws:cdk:path'): ` +
          `synthesize with the context value 'aws:cdk:enable-path-metadata': true (the CDK CLI sets it, a plain App does not)`,
      );
    // Nothing matched: list the paths that share the suffix's first segment, or else every path.
    const firstSegment = suffix.split('/')[0];
    const near = this.resources.filter((r) => r.cdkPath?.includes(`/${firstSegment}`));
    throw new Error(
      `No resource whose construct path ends with '/${suffix}' in stack '${this.env.stackName}'. Candidates:\n` +
        describe(near.length ? near : this.resources.filter((r) => r.cdkPath)),
    );
  }

  findByArnOrRef(value: string): ResolvedResource | undefined {
    // Resources whose Ref is another resource's identity (a SecretTargetAttachment returns the
    // secret's ARN, a BucketPolicy the bucket's name) would shadow that resource: skip them.
    const owners = this.resources.filter((r) => !this.resolver.identity(r.logicalId).refIsAlias);
    const pick = (matches: ResolvedResource[]) => {
      if (matches.length > 1)
        throw new Error(
          `'${value}' identifies several resources in stack '${this.env.stackName}': ` +
            matches.map((r) => r.logicalId).join(', '),
        );
      return matches[0];
    };
    // An ARN first (for a log group, the bare ARN without ':*' too), then an ARN-valued attribute
    // (a DynamoDB StreamArn, say), then a Ref value (a queue URL, a bucket name).
    return (
      pick(owners.filter((r) => r.arn === value || r.arn === `${value}:*`)) ??
      pick(
        owners.filter((r) => Object.values(r.attributes).some((a) => a === value && a.startsWith('arn:'))),
      ) ??
      pick(owners.filter((r) => r.ref === value))
    );
  }

  resolve(value: unknown): unknown {
    const result = this.resolver.evaluate(value, 'resolve()');
    return result === NO_VALUE ? undefined : result;
  }
}

// ---------------------------------------------------------------------------------------------------
// Physical names and ids
// ---------------------------------------------------------------------------------------------------

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MIXED_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const DIGITS = '0123456789';

/** How CloudFormation generates the name of a resource whose name property is not set. */
interface NameRule {
  /** Longest name the service accepts. */
  max: number;
  /** S3 buckets, RDS identifiers, Glue databases: lowercase letters, digits and hyphens only. */
  lowercase?: boolean;
  /** FIFO queues and topics: the name must end with `.fifo`. */
  fifo?: boolean;
  /** Secrets are named `<LogicalId>-<suffix>`, without the stack name. */
  withoutStackName?: boolean;
  /** Services that allow letters and digits only (API Gateway models). */
  alphanumericOnly?: boolean;
}

/**
 * Helpers a type rule uses: the resource's resolved properties, generated names and ids, ARNs.
 * Every "random" value is derived from a hash of the stack name, the logical id and a salt.
 */
class IdentityContext {
  constructor(
    readonly logicalId: string,
    readonly env: TestEnvironment,
    private readonly readProperty: (name: string) => unknown,
  ) {}

  /** A resolved top-level property, or a nested one with a dotted path ('DatabaseInput.Name'). */
  prop(path: string): unknown {
    const [top, ...rest] = path.split('.');
    let value = this.readProperty(top);
    for (const key of rest)
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    return value === NO_VALUE ? undefined : value;
  }

  /** A resolved property as a string (numbers are written out), or undefined when it is not set. */
  str(path: string): string | undefined {
    const value = this.prop(path);
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** A property the identity needs; a marker when the template leaves it out. */
  required(path: string): string {
    return this.str(path) ?? unresolved(`${this.logicalId}.Properties.${path}`);
  }

  /** True when a boolean property is set to true (templates may spell it "true"). */
  flag(path: string): boolean {
    const value = this.prop(path);
    return value === true || value === 'true';
  }

  /** The physical name: the name property when the template sets it, else a generated one. */
  name(nameProperty: string | undefined, rule: NameRule): string {
    const given = nameProperty ? this.str(nameProperty) : undefined;
    return given ?? this.generatedName(rule);
  }

  /**
   * `<StackName>-<LogicalId>-<SUFFIX>` like CloudFormation, e.g.
   * `RefArch-SnsSqsFanout-OrderEventsBillingQueueC7CBA107-5K2M9QX1B7ZD`, shortened to the service's
   * limit by cutting the stack name and the logical id (never the suffix, which keeps names unique).
   */
  private generatedName(rule: NameRule): string {
    const separator = rule.alphanumericOnly ? '' : '-';
    const suffix = this.random(
      12,
      rule.lowercase ? LOWER_ALNUM : rule.withoutStackName ? MIXED_ALNUM : UPPER_ALNUM,
      'name',
    );
    const tail = rule.fifo ? '.fifo' : '';
    const room = rule.max - suffix.length - tail.length - separator.length;
    const stack = this.env.stackName.replace(/[^A-Za-z0-9-]/g, '');
    let base = rule.withoutStackName || rule.alphanumericOnly ? this.logicalId : `${stack}-${this.logicalId}`;
    if (base.length > room) {
      if (rule.withoutStackName || rule.alphanumericOnly) base = this.logicalId.slice(0, room);
      else {
        const stackPart = stack.slice(0, Math.floor((room - 1) / 2)).replace(/-+$/, '');
        base = `${stackPart}-${this.logicalId.slice(0, room - 1 - stackPart.length)}`;
      }
    }
    let name = `${base.replace(/-+$/, '')}${separator}${suffix}${tail}`;
    if (rule.lowercase)
      name = name
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, '-')
        .replace(/-{2,}/g, '-');
    return name;
  }

  /** `length` characters of `alphabet`, derived from the stack name, the logical id and `salt`. */
  random(length: number, alphabet: string, salt: string): string {
    let out = '';
    for (let block = 0; out.length < length; block++) {
      const digest = createHash('sha256')
        .update(`${this.env.stackName}\0${this.logicalId}\0${salt}\0${block}`)
        .digest();
      for (const byte of digest) {
        if (out.length === length) break;
        out += alphabet[byte % alphabet.length];
      }
    }
    return out;
  }

  /** A UUID-shaped id (8-4-4-4-12 hex digits), e.g. for KMS key ids. */
  uuid(salt: string): string {
    const h = this.random(32, HEX, salt);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** An EC2-style id: `prefix-` and 17 hex digits, e.g. `vpc-0a1b2c3d4e5f67890`. */
  ec2Id(prefix: string): string {
    return `${prefix}-${this.random(17, HEX, prefix)}`;
  }

  /** An id of lowercase letters and digits (API Gateway ids are 10 or 6 long). */
  lowerId(length: number, salt = 'id'): string {
    return this.random(length, LOWER_ALNUM, salt);
  }

  /**
   * `arn:<partition>:<service>:<region>:<account>:<resource>`. Global services (IAM) pass
   * `{ region: '' }`, S3 passes `{ region: '', account: '' }`.
   */
  arn(service: string, resource: string, where: { region?: string; account?: string } = {}): string {
    const region = where.region ?? this.env.region;
    const account = where.account ?? this.env.account;
    return `arn:${this.env.partition}:${service}:${region}:${account}:${resource}`;
  }

  /** `<service>.<region>.<urlSuffix>`, e.g. `sqs.eu-west-1.amazonaws.com`. */
  host(service: string): string {
    return `${service}.${this.env.region}.${this.env.urlSuffix}`;
  }
}

/** IAM paths: `/` by default, always starting and ending with a slash. */
function iamPath(path: string | undefined): string {
  if (!path) return '/';
  return `/${path.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
}

// ---------------------------------------------------------------------------------------------------
// The Ref / GetAtt table
// ---------------------------------------------------------------------------------------------------

/**
 * A rule computes a resource's identity. An attribute it cannot know is `undefined` (a property the
 * template leaves out, say): it is dropped, and a GetAtt of it returns a marker.
 */
type TypeRule = (r: IdentityContext) => Omit<Identity, 'attributes'> & {
  attributes: Record<string, string | undefined>;
};

/** The default port of each RDS engine family, for Endpoint.Port when the template sets no Port. */
function defaultDbPort(engine: string | undefined): string | undefined {
  if (!engine) return undefined;
  if (/postgres/.test(engine)) return '5432';
  if (/mysql|mariadb/.test(engine)) return '3306';
  if (/oracle/.test(engine)) return '1521';
  if (/sqlserver/.test(engine)) return '1433';
  return undefined;
}

/**
 * What Ref and Fn::GetAtt return, per resource type. Every type of the reference stacks is here
 * (the whole-app test fails when a new one shows up); anything else resolves to UNRESOLVED markers.
 * Attributes that are lists (VPCEndpoint.DnsEntries, TargetGroup.LoadBalancerArns, …) or secrets
 * (UserPoolClient.ClientSecret) are left out on purpose.
 */
const TYPE_RULES: Record<string, TypeRule> = {
  // --- API Gateway (REST) -------------------------------------------------------------------------
  'AWS::ApiGateway::RestApi': (r) => {
    const id = r.lowerId(10);
    const arn = r.arn('apigateway', `/restapis/${id}`, { account: '' });
    return { ref: id, arn, attributes: { RestApiId: id, RootResourceId: r.lowerId(10, 'root') } };
  },
  'AWS::ApiGateway::Stage': (r) => {
    const name = r.str('StageName') ?? r.lowerId(6);
    const arn = r.arn('apigateway', `/restapis/${r.required('RestApiId')}/stages/${name}`, { account: '' });
    return { ref: name, arn, attributes: {} };
  },
  'AWS::ApiGateway::Deployment': (r) => {
    const id = r.lowerId(6);
    return { ref: id, attributes: { DeploymentId: id } };
  },
  'AWS::ApiGateway::Resource': (r) => {
    const id = r.lowerId(6);
    return { ref: id, attributes: { ResourceId: id } };
  },
  'AWS::ApiGateway::Method': (r) => ({
    ref: `${r.required('RestApiId')}|${r.required('ResourceId')}|${r.required('HttpMethod')}`,
    attributes: {},
  }),
  'AWS::ApiGateway::Authorizer': (r) => {
    const id = r.lowerId(6);
    return { ref: id, attributes: { AuthorizerId: id } };
  },
  'AWS::ApiGateway::Model': (r) => ({
    ref: r.name('Name', { max: 128, alphanumericOnly: true }),
    attributes: {},
  }),
  'AWS::ApiGateway::RequestValidator': (r) => {
    const id = r.lowerId(6);
    return { ref: id, attributes: { RequestValidatorId: id } };
  },
  'AWS::ApiGateway::GatewayResponse': (r) => {
    const id = r.lowerId(6);
    return { ref: id, attributes: { Id: id } };
  },
  'AWS::ApiGateway::UsagePlan': (r) => {
    const id = r.lowerId(6);
    return {
      ref: id,
      arn: r.arn('apigateway', `/usageplans/${id}`, { account: '' }),
      attributes: { Id: id },
    };
  },
  'AWS::ApiGateway::Account': (r) => {
    const id = r.lowerId(10);
    return { ref: id, attributes: { Id: id } };
  },

  // --- Athena, Glue ---------------------------------------------------------------------------------
  'AWS::Athena::WorkGroup': (r) => {
    const name = r.name('Name', { max: 128 });
    return { ref: name, arn: r.arn('athena', `workgroup/${name}`), attributes: {} };
  },
  'AWS::Glue::Database': (r) => {
    const name = r.name('DatabaseInput.Name', { max: 255, lowercase: true });
    return { ref: name, arn: r.arn('glue', `database/${name}`), attributes: {} };
  },
  'AWS::Glue::Table': (r) => ({
    // The table name, like the Glue::Database's Ref is the database name.
    ref: r.name('TableInput.Name', { max: 255, lowercase: true }),
    attributes: {},
  }),

  // --- Auto Scaling -------------------------------------------------------------------------------
  'AWS::AutoScaling::AutoScalingGroup': (r) => {
    const name = r.name('AutoScalingGroupName', { max: 255 });
    const arn = r.arn('autoscaling', `autoScalingGroup:${r.uuid('asg')}:autoScalingGroupName/${name}`);
    return { ref: name, arn, attributes: { AutoScalingGroupARN: arn } };
  },
  'AWS::AutoScaling::ScalingPolicy': (r) => {
    const policyName = r.name(undefined, { max: 255 });
    const arn = r.arn(
      'autoscaling',
      `scalingPolicy:${r.uuid('policy')}:autoScalingGroupName/${r.required('AutoScalingGroupName')}:policyName/${policyName}`,
    );
    return { ref: arn, arn, attributes: { Arn: arn, PolicyName: policyName } };
  },

  // --- AWS Backup ---------------------------------------------------------------------------------
  'AWS::Backup::BackupVault': (r) => {
    const name = r.name('BackupVaultName', { max: 50 });
    const arn = r.arn('backup', `backup-vault:${name}`);
    return { ref: name, arn, attributes: { BackupVaultName: name, BackupVaultArn: arn } };
  },
  'AWS::Backup::BackupPlan': (r) => {
    const id = r.uuid('plan');
    const arn = r.arn('backup', `backup-plan:${id}`);
    return {
      ref: id,
      arn,
      attributes: { BackupPlanId: id, BackupPlanArn: arn, VersionId: r.random(32, HEX, 'v') },
    };
  },
  'AWS::Backup::BackupSelection': (r) => {
    const id = r.uuid('selection');
    return { ref: id, attributes: { Id: id, SelectionId: id, BackupPlanId: r.required('BackupPlanId') } };
  },

  // --- CloudFront (a global service: its ARNs have no Region) --------------------------------------
  'AWS::CloudFront::Distribution': (r) => {
    const id = `E${r.random(13, UPPER_ALNUM, 'distribution')}`;
    const arn = r.arn('cloudfront', `distribution/${id}`, { region: '' });
    return { ref: id, arn, attributes: { Id: id, DomainName: `d${r.lowerId(13, 'cf')}.cloudfront.net` } };
  },
  'AWS::CloudFront::OriginAccessControl': (r) => {
    const id = `E${r.random(13, UPPER_ALNUM, 'oac')}`;
    return { ref: id, attributes: { Id: id } };
  },
  'AWS::CloudFront::CachePolicy': (r) => {
    const id = r.uuid('cache-policy');
    return { ref: id, attributes: { Id: id, LastModifiedTime: '2026-12-06T10:00:00Z' } };
  },
  'AWS::CloudFront::ResponseHeadersPolicy': (r) => {
    const id = r.uuid('response-headers-policy');
    return { ref: id, attributes: { Id: id, LastModifiedTime: '2026-12-06T10:00:00Z' } };
  },
  'AWS::CloudFront::Function': (r) => {
    const name = r.required('Name');
    const arn = r.arn('cloudfront', `function/${name}`, { region: '' });
    return {
      ref: arn,
      arn,
      attributes: { FunctionARN: arn, Stage: r.flag('AutoPublish') ? 'LIVE' : 'DEVELOPMENT' },
    };
  },
  'AWS::CloudFront::MonitoringSubscription': (r) => ({
    ref: r.required('DistributionId'),
    refIsAlias: true,
    attributes: {},
  }),

  // --- CloudWatch ---------------------------------------------------------------------------------
  'AWS::CloudWatch::Alarm': (r) => {
    const name = r.name('AlarmName', { max: 255 });
    const arn = r.arn('cloudwatch', `alarm:${name}`);
    return { ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::CloudWatch::Dashboard': (r) => {
    const name = r.name('DashboardName', { max: 255 });
    return { ref: name, arn: r.arn('cloudwatch', `dashboard/${name}`, { region: '' }), attributes: {} };
  },

  // --- Cognito ------------------------------------------------------------------------------------
  'AWS::Cognito::UserPool': (r) => {
    const id = `${r.env.region}_${r.random(9, MIXED_ALNUM, 'pool')}`;
    const arn = r.arn('cognito-idp', `userpool/${id}`);
    const providerName = `cognito-idp.${r.env.region}.${r.env.urlSuffix}/${id}`;
    return {
      ref: id,
      arn,
      attributes: {
        Arn: arn,
        UserPoolId: id,
        ProviderName: providerName,
        ProviderURL: `https://${providerName}`,
      },
    };
  },
  'AWS::Cognito::UserPoolClient': (r) => {
    const id = r.lowerId(26);
    return { ref: id, attributes: { ClientId: id, Name: r.name('ClientName', { max: 128 }) } };
  },
  'AWS::Cognito::UserPoolDomain': (r) => ({
    ref: r.required('Domain'),
    attributes: { CloudFrontDistribution: `d${r.lowerId(13, 'cf')}.cloudfront.net` },
  }),
  'AWS::Cognito::UserPoolResourceServer': (r) => ({ ref: r.required('Identifier'), attributes: {} }),
  'AWS::Cognito::ManagedLoginBranding': (r) => {
    const id = r.uuid('branding');
    return { ref: `${r.required('UserPoolId')}|${id}`, attributes: { ManagedLoginBrandingId: id } };
  },
  'AWS::Cognito::IdentityPool': (r) => {
    const id = `${r.env.region}:${r.uuid('identity-pool')}`;
    return {
      ref: id,
      arn: r.arn('cognito-identity', `identitypool/${id}`),
      attributes: { Id: id, Name: r.name('IdentityPoolName', { max: 128 }) },
    };
  },
  'AWS::Cognito::IdentityPoolRoleAttachment': (r) => {
    const id = r.required('IdentityPoolId');
    return { ref: id, refIsAlias: true, attributes: { Id: id } };
  },

  // --- DynamoDB -----------------------------------------------------------------------------------
  'AWS::DynamoDB::Table': (r) => {
    const name = r.name('TableName', { max: 255 });
    const arn = r.arn('dynamodb', `table/${name}`);
    // The stream label is the stream's creation time; a fixed one keeps the ARN deterministic.
    return { ref: name, arn, attributes: { Arn: arn, StreamArn: `${arn}/stream/2025-01-01T00:00:00.000` } };
  },

  // --- EC2 and VPC ------------------------------------------------------------------------------------
  'AWS::EC2::VPC': (r) => {
    const id = r.ec2Id('vpc');
    return {
      ref: id,
      arn: r.arn('ec2', `vpc/${id}`),
      attributes: {
        VpcId: id,
        CidrBlock: r.required('CidrBlock'),
        DefaultSecurityGroup: r.ec2Id('sg'),
        DefaultNetworkAcl: r.ec2Id('acl'),
      },
    };
  },
  'AWS::EC2::Subnet': (r) => {
    const id = r.ec2Id('subnet');
    return {
      ref: id,
      arn: r.arn('ec2', `subnet/${id}`),
      attributes: {
        SubnetId: id,
        AvailabilityZone: r.required('AvailabilityZone'),
        CidrBlock: r.required('CidrBlock'),
        VpcId: r.required('VpcId'),
        NetworkAclAssociationId: r.ec2Id('aclassoc'),
      },
    };
  },
  'AWS::EC2::SecurityGroup': (r) => {
    const id = r.ec2Id('sg');
    return {
      ref: id,
      arn: r.arn('ec2', `security-group/${id}`),
      attributes: { GroupId: id, Id: id, VpcId: r.required('VpcId') },
    };
  },
  'AWS::EC2::SecurityGroupIngress': (r) => {
    const id = r.ec2Id('sgr');
    return { ref: id, arn: r.arn('ec2', `security-group-rule/${id}`), attributes: { Id: id } };
  },
  'AWS::EC2::SecurityGroupEgress': (r) => {
    const id = r.ec2Id('sgr');
    return { ref: id, arn: r.arn('ec2', `security-group-rule/${id}`), attributes: { Id: id } };
  },
  'AWS::EC2::RouteTable': (r) => {
    const id = r.ec2Id('rtb');
    return { ref: id, arn: r.arn('ec2', `route-table/${id}`), attributes: { RouteTableId: id } };
  },
  'AWS::EC2::Route': (r) => {
    const cidr = r.str('DestinationCidrBlock') ?? r.str('DestinationIpv6CidrBlock');
    return { ref: `${r.required('RouteTableId')}|${cidr}`, attributes: { CidrBlock: cidr } };
  },
  'AWS::EC2::SubnetRouteTableAssociation': (r) => {
    const id = r.ec2Id('rtbassoc');
    return { ref: id, attributes: { Id: id } };
  },
  'AWS::EC2::InternetGateway': (r) => {
    const id = r.ec2Id('igw');
    return { ref: id, arn: r.arn('ec2', `internet-gateway/${id}`), attributes: { InternetGatewayId: id } };
  },
  'AWS::EC2::VPCGatewayAttachment': (r) => {
    const type = r.str('InternetGatewayId') ? 'IGW' : 'VPN';
    return { ref: `${type}|${r.required('VpcId')}`, attributes: { AttachmentType: type } };
  },
  'AWS::EC2::EIP': (r) => {
    // 198.51.100.0/24 is TEST-NET-2, reserved for documentation: never a real address.
    const ip = `198.51.100.${1 + (parseInt(r.random(2, HEX, 'ip'), 16) % 254)}`;
    const allocationId = r.ec2Id('eipalloc');
    return {
      ref: ip,
      arn: r.arn('ec2', `elastic-ip/${allocationId}`),
      attributes: { PublicIp: ip, AllocationId: allocationId },
    };
  },
  'AWS::EC2::NatGateway': (r) => {
    const id = r.ec2Id('nat');
    return {
      ref: id,
      arn: r.arn('ec2', `natgateway/${id}`),
      attributes: { NatGatewayId: id, EniId: r.ec2Id('eni') },
    };
  },
  'AWS::EC2::Instance': (r) => {
    const id = r.ec2Id('i');
    const [a, b] = [
      parseInt(r.random(2, HEX, 'ip-a'), 16),
      1 + (parseInt(r.random(2, HEX, 'ip-b'), 16) % 254),
    ];
    const privateIp = `10.0.${a}.${b}`;
    return {
      ref: id,
      arn: r.arn('ec2', `instance/${id}`),
      attributes: {
        InstanceId: id,
        AvailabilityZone: r.str('AvailabilityZone') ?? `${r.env.region}a`,
        PrivateIp: privateIp,
        PrivateDnsName: `ip-${privateIp.replace(/\./g, '-')}.${r.env.region}.compute.internal`,
      },
    };
  },
  'AWS::EC2::LaunchTemplate': (r) => {
    const id = `lt-${r.random(17, HEX, 'lt')}`;
    return {
      ref: id,
      arn: r.arn('ec2', `launch-template/${id}`),
      attributes: { LaunchTemplateId: id, LatestVersionNumber: '1', DefaultVersionNumber: '1' },
    };
  },
  'AWS::EC2::VPCEndpoint': (r) => {
    const id = r.ec2Id('vpce');
    return {
      ref: id,
      arn: r.arn('ec2', `vpc-endpoint/${id}`),
      attributes: { Id: id, CreationTimestamp: '2025-01-01T00:00:00.000Z' },
    };
  },
  'AWS::EC2::FlowLog': (r) => {
    const id = r.ec2Id('fl');
    return { ref: id, arn: r.arn('ec2', `vpc-flow-log/${id}`), attributes: { Id: id } };
  },

  // --- EventBridge ------------------------------------------------------------------------------------
  'AWS::Events::Rule': (r) => {
    // A rule of the default bus is rule/<name>, and Ref is its name; a rule of another bus is
    // rule/<bus>/<name>, and Ref is `<bus>|<name>` (CloudFormation, AWS::Events::Rule return values).
    const name = r.name('Name', { max: 64 });
    const busArnOrName = r.str('EventBusName');
    const bus = busArnOrName?.replace(/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, '');
    const custom = bus !== undefined && bus !== 'default';
    const arn = r.arn('events', custom ? `rule/${bus}/${name}` : `rule/${name}`);
    return { ref: custom ? `${bus}|${name}` : name, arn, attributes: { Arn: arn } };
  },

  // --- Elastic Load Balancing v2 ----------------------------------------------------------------------
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (r) => {
    const name = r.name('Name', { max: 32 });
    const kind = r.str('Type') === 'network' ? 'net' : r.str('Type') === 'gateway' ? 'gwy' : 'app';
    const fullName = `${kind}/${name}/${r.random(16, HEX, 'lb')}`;
    const arn = r.arn('elasticloadbalancing', `loadbalancer/${fullName}`);
    const internal = r.str('Scheme') === 'internal' ? 'internal-' : '';
    const hostedZones: Record<string, string> = {
      'eu-west-1': 'Z32O12XQLNTSW2',
      'us-east-1': 'Z35SXDOTRQ7X7K',
    };
    return {
      ref: arn,
      arn,
      attributes: {
        LoadBalancerArn: arn,
        LoadBalancerFullName: fullName,
        LoadBalancerName: name,
        DNSName: `${internal}${name}-${r.random(10, DIGITS, 'dns')}.${r.env.region}.elb.${r.env.urlSuffix}`,
        CanonicalHostedZoneID: hostedZones[r.env.region],
      },
    };
  },
  'AWS::ElasticLoadBalancingV2::TargetGroup': (r) => {
    const name = r.name('Name', { max: 32 });
    const fullName = `targetgroup/${name}/${r.random(16, HEX, 'tg')}`;
    const arn = r.arn('elasticloadbalancing', fullName);
    return {
      ref: arn,
      arn,
      attributes: { TargetGroupArn: arn, TargetGroupFullName: fullName, TargetGroupName: name },
    };
  },
  'AWS::ElasticLoadBalancingV2::Listener': (r) => {
    // A listener ARN extends its load balancer's: …:listener/app/<lb-name>/<lb-id>/<listener-id>.
    const lbArn = r.required('LoadBalancerArn');
    const arn = `${lbArn.replace(':loadbalancer/', ':listener/')}/${r.random(16, HEX, 'listener')}`;
    return { ref: arn, arn, attributes: { ListenerArn: arn } };
  },
  'AWS::ElasticLoadBalancingV2::ListenerRule': (r) => {
    // …:listener-rule/app/<lb-name>/<lb-id>/<listener-id>/<rule-id>
    const listenerArn = r.required('ListenerArn');
    const arn = `${listenerArn.replace(':listener/', ':listener-rule/')}/${r.random(16, HEX, 'rule')}`;
    return { ref: arn, arn, attributes: { RuleArn: arn, IsDefault: 'false' } };
  },
  // aws-cdk-lib's AwsCustomResource: its outputs are whatever the API call returns at deploy time. Only the
  // calls the patterns make are modelled: the three-tier app's lookup of CloudFront's origin-facing
  // managed prefix list (EC2 DescribeManagedPrefixLists), whose ID feeds a security group rule.
  'Custom::AWS': (r) => {
    const call = `${r.str('Create') ?? ''}${r.str('Update') ?? ''}`;
    const attributes: Record<string, string> = {};
    if (call.includes('describeManagedPrefixLists') || call.includes('DescribeManagedPrefixLists')) {
      attributes['PrefixLists.0.PrefixListId'] = `pl-${r.random(17, HEX, 'prefix-list')}`;
    }
    const id = r.random(12, HEX, 'custom');
    return { ref: id, attributes };
  },

  // --- IAM ------------------------------------------------------------------------------------------
  'AWS::IAM::Role': (r) => {
    const name = r.name('RoleName', { max: 64 });
    const arn = r.arn('iam', `role${iamPath(r.str('Path'))}${name}`, { region: '' });
    return {
      ref: name,
      arn,
      attributes: { Arn: arn, RoleId: `AROA${r.random(17, UPPER_ALNUM, 'role-id')}` },
    };
  },
  'AWS::IAM::ManagedPolicy': (r) => {
    const name = r.name('ManagedPolicyName', { max: 128 });
    const arn = r.arn('iam', `policy${iamPath(r.str('Path'))}${name}`, { region: '' });
    return {
      ref: arn,
      arn,
      attributes: {
        PolicyArn: arn,
        PolicyId: `ANPA${r.random(17, UPPER_ALNUM, 'policy-id')}`,
        DefaultVersionId: 'v1',
        IsAttachable: 'true',
      },
    };
  },
  'AWS::IAM::Policy': (r) => {
    // An inline policy has no ARN; its Ref is an id CloudFormation makes up, e.g. `RefAr-Order-1A2B3C4D5E6F`.
    const id = r.name(undefined, { max: 30 });
    return { ref: id, attributes: { Id: id } };
  },
  'AWS::IAM::InstanceProfile': (r) => {
    const name = r.name('InstanceProfileName', { max: 128 });
    const arn = r.arn('iam', `instance-profile${iamPath(r.str('Path'))}${name}`, { region: '' });
    return { ref: name, arn, attributes: { Arn: arn } };
  },

  // --- KMS ------------------------------------------------------------------------------------------
  'AWS::KMS::Key': (r) => {
    const keyId = r.uuid('key');
    const arn = r.arn('kms', `key/${keyId}`);
    return { ref: keyId, arn, attributes: { Arn: arn, KeyId: keyId } };
  },

  // --- Kinesis, Firehose ----------------------------------------------------------------------------
  'AWS::Kinesis::Stream': (r) => {
    const name = r.name('Name', { max: 128 });
    const arn = r.arn('kinesis', `stream/${name}`);
    return { ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::KinesisFirehose::DeliveryStream': (r) => {
    const name = r.name('DeliveryStreamName', { max: 64 });
    const arn = r.arn('firehose', `deliverystream/${name}`);
    return { ref: name, arn, attributes: { Arn: arn } };
  },

  // --- Lambda ---------------------------------------------------------------------------------------
  'AWS::Lambda::Function': (r) => {
    const name = r.name('FunctionName', { max: 64 });
    const arn = r.arn('lambda', `function:${name}`);
    return { ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::Lambda::LayerVersion': (r) => {
    const arn = r.arn('lambda', `layer:${r.name('LayerName', { max: 64 })}:1`);
    return { ref: arn, arn, attributes: { LayerVersionArn: arn } };
  },
  'AWS::Lambda::Permission': (r) => {
    // Ref is `<FunctionName>|<Id>`; the Id is the statement id CloudFormation gives the permission.
    const id = r.name(undefined, { max: 100 });
    return { ref: `${r.required('FunctionName')}|${id}`, attributes: { Id: id } };
  },
  'AWS::Lambda::EventSourceMapping': (r) => {
    const id = r.uuid('esm');
    const arn = r.arn('lambda', `event-source-mapping:${id}`);
    return { ref: id, arn, attributes: { Id: id, EventSourceMappingArn: arn } };
  },
  'AWS::Lambda::EventInvokeConfig': (r) => ({
    // No attributes; Ref is the primary identifier, `<FunctionName>|<Qualifier>`.
    ref: `${r.required('FunctionName')}|${r.required('Qualifier')}`,
    attributes: {},
  }),

  // --- CloudWatch Logs ------------------------------------------------------------------------------
  'AWS::Logs::LogGroup': (r) => {
    const name = r.name('LogGroupName', { max: 512 });
    // CloudFormation's LogGroup Arn ends with ':*' (it covers the group's streams); IAM policies
    // that the CDK writes from it keep that form.
    const arn = r.arn('logs', `log-group:${name}:*`);
    return { ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::Logs::LogStream': (r) => ({ ref: r.name('LogStreamName', { max: 512 }), attributes: {} }),
  // Vended-log delivery (standard logging v2): a source, a destination, and the delivery between them.
  'AWS::Logs::DeliverySource': (r) => {
    const name = r.required('Name');
    const arn = r.arn('logs', `delivery-source:${name}`);
    return { ref: name, arn, attributes: { Arn: arn, Service: r.str('ResourceArn')?.split(':')[2] } };
  },
  'AWS::Logs::DeliveryDestination': (r) => {
    const name = r.required('Name');
    const arn = r.arn('logs', `delivery-destination:${name}`);
    const target = r.str('DestinationResourceArn');
    const type = target?.split(':')[2];
    return {
      ref: name,
      arn,
      attributes: {
        Arn: arn,
        DestinationType:
          type === 's3' ? 'S3' : type === 'firehose' ? 'FH' : type === 'logs' ? 'CWL' : undefined,
      },
    };
  },
  'AWS::Logs::Delivery': (r) => {
    const id = r.random(16, MIXED_ALNUM, 'delivery');
    const arn = r.arn('logs', `delivery:${id}`);
    return {
      ref: id,
      arn,
      attributes: { Arn: arn, DeliveryId: id },
    };
  },

  // --- ElastiCache -----------------------------------------------------------------------------------
  'AWS::ElastiCache::ReplicationGroup': (r) => {
    const id = r.name('ReplicationGroupId', { max: 40, lowercase: true });
    const port = r.str('Port') ?? '6379';
    // Cluster mode off, in-transit encryption on: `master.<id>.<6 characters>.<Region code>.cache.amazonaws.com`.
    const suffix = `${id}.${r.lowerId(6, 'endpoint')}.${r.env.region}.cache.${r.env.urlSuffix}`;
    return {
      ref: id,
      arn: r.arn('elasticache', `replicationgroup:${id}`),
      attributes: {
        'PrimaryEndPoint.Address': `master.${suffix}`,
        'PrimaryEndPoint.Port': port,
        'ReaderEndPoint.Address': `replica.${suffix}`,
        'ReaderEndPoint.Port': port,
      },
    };
  },
  'AWS::ElastiCache::SubnetGroup': (r) => {
    const name = r.name('CacheSubnetGroupName', { max: 255, lowercase: true });
    return { ref: name, arn: r.arn('elasticache', `subnetgroup:${name}`), attributes: {} };
  },

  // --- RDS ------------------------------------------------------------------------------------------
  'AWS::RDS::DBInstance': (r) => {
    const id = r.name('DBInstanceIdentifier', { max: 63, lowercase: true });
    const arn = r.arn('rds', `db:${id}`);
    const port = r.str('Port') ?? defaultDbPort(r.str('Engine'));
    return {
      ref: id,
      arn,
      attributes: {
        DBInstanceArn: arn,
        DbiResourceId: `db-${r.random(26, UPPER_ALNUM, 'dbi')}`,
        // `<identifier>.<account-and-Region-specific id>.<region>.rds.amazonaws.com`
        'Endpoint.Address': `${id}.${r.lowerId(12, 'endpoint')}.${r.env.region}.rds.${r.env.urlSuffix}`,
        'Endpoint.Port': port,
      },
    };
  },
  'AWS::RDS::DBParameterGroup': (r) => {
    const name = r.name('DBParameterGroupName', { max: 255, lowercase: true });
    const arn = r.arn('rds', `pg:${name}`);
    return { ref: name, arn, attributes: { DBParameterGroupName: name, DBParameterGroupArn: arn } };
  },
  'AWS::RDS::DBSubnetGroup': (r) => {
    const name = r.name('DBSubnetGroupName', { max: 255, lowercase: true });
    const arn = r.arn('rds', `subgrp:${name}`);
    return { ref: name, arn, attributes: { DBSubnetGroupArn: arn } };
  },
  'AWS::RDS::DBProxy': (r) => {
    const name = r.name('DBProxyName', { max: 63, lowercase: true });
    const arn = r.arn('rds', `db-proxy:prx-${r.random(17, HEX, 'proxy')}`);
    const endpoint = `${name.toLowerCase()}.proxy-${r.lowerId(12, 'endpoint')}.${r.env.region}.rds.${r.env.urlSuffix}`;
    return { ref: name, arn, attributes: { DBProxyArn: arn, Endpoint: endpoint } };
  },
  'AWS::RDS::DBProxyTargetGroup': (r) => {
    const arn = r.arn('rds', `target-group:prx-tg-${r.random(17, HEX, 'tg')}`);
    return { ref: arn, arn, attributes: { TargetGroupArn: arn } };
  },

  // --- S3 -------------------------------------------------------------------------------------------
  'AWS::S3::Bucket': (r) => {
    const name = r.name('BucketName', { max: 63, lowercase: true });
    const arn = r.arn('s3', name, { region: '', account: '' });
    const { region, urlSuffix } = r.env;
    // Older Regions write website endpoints with a dash (s3-website-eu-west-1), newer ones with a dot.
    const dashRegions = [
      'us-east-1',
      'us-west-1',
      'us-west-2',
      'eu-west-1',
      'ap-southeast-1',
      'ap-southeast-2',
      'ap-northeast-1',
      'sa-east-1',
    ];
    const website = dashRegions.includes(region) ? `s3-website-${region}` : `s3-website.${region}`;
    return {
      ref: name,
      arn,
      attributes: {
        Arn: arn,
        DomainName: `${name}.s3.${urlSuffix}`,
        RegionalDomainName: `${name}.s3.${region}.${urlSuffix}`,
        DualStackDomainName: `${name}.s3.dualstack.${region}.${urlSuffix}`,
        WebsiteURL: `http://${name}.${website}.${urlSuffix}`,
      },
    };
  },
  'AWS::S3::BucketPolicy': (r) => ({ ref: r.required('Bucket'), refIsAlias: true, attributes: {} }),

  // --- Secrets Manager --------------------------------------------------------------------------------
  'AWS::SecretsManager::Secret': (r) => {
    // Generated secret names are `<LogicalId>-<suffix>`; Secrets Manager then appends '-' and six
    // random characters to the ARN.
    const name = r.name('Name', { max: 512, withoutStackName: true });
    const arn = r.arn('secretsmanager', `secret:${name}-${r.random(6, MIXED_ALNUM, 'arn')}`);
    return { ref: arn, arn, attributes: { Id: arn } };
  },
  // These three return the ARN of the secret they attach to.
  'AWS::SecretsManager::SecretTargetAttachment': (r) => {
    const secretArn = r.required('SecretId');
    return { ref: secretArn, refIsAlias: true, attributes: { Id: secretArn } };
  },
  'AWS::SecretsManager::RotationSchedule': (r) => {
    const secretArn = r.required('SecretId');
    return { ref: secretArn, refIsAlias: true, attributes: { Id: secretArn } };
  },
  'AWS::SecretsManager::ResourcePolicy': (r) => {
    const secretArn = r.required('SecretId');
    return { ref: secretArn, refIsAlias: true, attributes: { Id: secretArn } };
  },

  // --- SNS ------------------------------------------------------------------------------------------
  'AWS::SNS::Topic': (r) => {
    const name = r.name('TopicName', { max: 256, fifo: r.flag('FifoTopic') });
    const arn = r.arn('sns', name);
    return { ref: arn, arn, attributes: { TopicArn: arn, TopicName: name } };
  },
  'AWS::SNS::Subscription': (r) => {
    const arn = `${r.required('TopicArn')}:${r.uuid('subscription')}`;
    return { ref: arn, arn, attributes: { Arn: arn } };
  },
  'AWS::SNS::TopicPolicy': (r) => {
    const id = r.name(undefined, { max: 255 });
    return { ref: id, attributes: { Id: id } };
  },

  // --- SQS ------------------------------------------------------------------------------------------
  'AWS::SQS::Queue': (r) => {
    const name = r.name('QueueName', { max: 80, fifo: r.flag('FifoQueue') });
    const url = `https://${r.host('sqs')}/${r.env.account}/${name}`;
    const arn = r.arn('sqs', name);
    return { ref: url, arn, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
  },
  'AWS::SQS::QueuePolicy': (r) => {
    const id = r.name(undefined, { max: 255 });
    return { ref: id, attributes: { Id: id } };
  },

  // --- WAFv2 ----------------------------------------------------------------------------------------
  'AWS::WAFv2::WebACL': (r) => {
    const name = r.name('Name', { max: 128 });
    const id = r.uuid('webacl');
    const scope = r.str('Scope') ?? 'REGIONAL';
    const arn =
      scope === 'CLOUDFRONT'
        ? r.arn('wafv2', `global/webacl/${name}/${id}`, { region: 'us-east-1' })
        : r.arn('wafv2', `regional/webacl/${name}/${id}`);
    return {
      ref: `${name}|${id}|${scope}`,
      arn,
      attributes: { Arn: arn, Id: id, LabelNamespace: `awswaf:${r.env.account}:webacl:${name}:` },
    };
  },
  'AWS::WAFv2::WebACLAssociation': (r) => ({
    ref: `${r.required('ResourceArn')}|${r.required('WebACLArn')}`,
    attributes: {},
  }),
  'AWS::WAFv2::LoggingConfiguration': (r) => ({
    ref: r.required('ResourceArn'),
    refIsAlias: true,
    attributes: { ManagedByFirewallManager: 'false' },
  }),
};

// ---------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------

function isSingleKeyObject(value: unknown, key: string): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    key in value
  );
}

/** An intrinsic's argument list, checked for length. */
function expectArray(value: unknown, length: number, path: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length)
    throw new Error(`${path}: expected a list of ${length} arguments, got ${JSON.stringify(value)}`);
  return value;
}

/** True for a string that is (or contains) a marker. */
function isMarker(value: unknown): value is string {
  return typeof value === 'string' && containsUnresolved(value);
}

/** A scalar as the string CloudFormation would write into a Join or Sub. */
function scalarToString(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${path}: expected a string, got ${JSON.stringify(value)}`);
}

/** CloudFormation compares values as strings: `"1"` equals `1`. */
function comparable(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Drops attributes whose value is unknown (undefined): GetAtt then returns a marker for them. */
function withoutUndefined(attributes: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}
