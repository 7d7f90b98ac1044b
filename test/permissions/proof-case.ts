import { Caller, NamedPolicy } from './simulate';

/** One call to prove: who, what, on which resource, with which context, and the expected outcome. */
export interface ProofCase {
  /** What the call is for, in a learner's words. */
  readonly why: string;
  /** Where the case comes from: derived from the template for every pattern, or declared by the pattern. */
  readonly origin: 'every pattern' | 'declared';
  readonly caller: Caller;
  /** The caller as a reader knows it: a service principal, a role's construct path, "anonymous". */
  readonly callerLabel: string;
  readonly action: string;
  /** Concrete ARN (or `*`). */
  readonly resource: string;
  /** The resource as a reader knows it (its construct path), with any suffix. */
  readonly resourceLabel: string;
  readonly context: Record<string, string | string[]>;
  readonly expect: 'allow' | 'deny';
  /**
   * The caller's identity policies, for a caller outside the template (a service-linked role, another
   * account). A role of the template gets its own from the template.
   */
  readonly identityPolicies?: NamedPolicy[];
}

/** Another account, for the refusals that check confused-deputy conditions. */
export const OTHER_ACCOUNT = '222222222222';
