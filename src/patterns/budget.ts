/**
 * Budgets: a quantity (tokens, calls, money) that a subtree of agents draws from. A child budget
 * draws from its own limit and from every ancestor's at once, so a per-subtree budget also
 * counts against the whole tree. A draw that any level cannot cover fails as a whole (nothing is
 * taken anywhere) with `BUDGET_EXCEEDED`, naming the amount and the budget that refused it.
 */
import { ArborError, InvalidSpecError } from '../runtime/errors.js';
import { nonEmptyString } from './validate.js';

/** Options of {@link Budget}. */
export interface BudgetOptions {
  /** Names the budget in errors and logs. @default 'budget' */
  name?: string;
  /** The most that may be drawn (>= 0, may be `Infinity`). */
  limit: number;
}

function amountOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new InvalidSpecError(field, value, 'must be a finite number >= 0');
  return value;
}

/**
 * A budget with a limit, optionally nested in a parent.
 *
 * @example
 * const tokens = new Budget({ name: 'tokens', limit: 10_000 });
 * const research = tokens.child('research', 4_000);
 * research.draw(1_500);          // counts against research and tokens
 * research.draw(3_000);          // throws BUDGET_EXCEEDED: 3000 over research's remaining 2500
 */
export class Budget {
  readonly name: string;
  readonly limit: number;
  readonly parent: Budget | undefined;
  private usedAmount = 0;

  constructor(options: BudgetOptions, parent?: Budget) {
    if (typeof options !== 'object' || options === null) throw new InvalidSpecError('options', options, 'must be an object with a limit');
    this.name = options.name === undefined ? 'budget' : nonEmptyString(options.name, 'name');
    if (typeof options.limit !== 'number' || !(options.limit >= 0)) throw new InvalidSpecError('limit', options.limit, 'must be a number >= 0');
    this.limit = options.limit;
    this.parent = parent;
  }

  /** The budget's full name, ancestors first (`tokens/research`). */
  get path(): string {
    return this.parent ? `${this.parent.path}/${this.name}` : this.name;
  }

  get used(): number {
    return this.usedAmount;
  }

  /** What may still be drawn here (ancestors may allow less: see {@link available}). */
  get remaining(): number {
    return this.limit - this.usedAmount;
  }

  /** What may still be drawn here, given every ancestor. */
  get available(): number {
    return Math.min(this.remaining, this.parent ? this.parent.available : Infinity);
  }

  /** This budget and its ancestors, nearest first. */
  private chain(): Budget[] {
    const out: Budget[] = [];
    for (let b: Budget | undefined = this as Budget; b; b = b.parent) out.push(b);
    return out;
  }

  /** A sub-budget: draws from it also draw from this one. */
  child(name: string, limit: number): Budget {
    return new Budget({ name, limit }, this);
  }

  /** Takes `amount` here and from every ancestor, or throws `BUDGET_EXCEEDED` and takes nothing. */
  draw(amount: number): void {
    amountOf(amount, 'amount');
    const chain = this.chain();
    for (const b of chain) {
      if (amount > b.remaining) {
        throw new ArborError('BUDGET_EXCEEDED', `budget ${b.path} exceeded: drawing ${amount} with ${b.remaining} of ${b.limit} left`, {
          budget: b.path,
          amount,
          remaining: b.remaining,
          limit: b.limit,
        });
      }
    }
    for (const b of chain) b.usedAmount += amount;
  }

  /** Like {@link draw}, but returns false instead of throwing. */
  tryDraw(amount: number): boolean {
    amountOf(amount, 'amount');
    if (amount > this.available) return false;
    this.draw(amount);
    return true;
  }

  /** Gives back up to `amount` (never more than was drawn here), here and from every ancestor. */
  refund(amount: number): number {
    const back = Math.min(amountOf(amount, 'amount'), this.usedAmount);
    for (const b of this.chain()) b.usedAmount -= back;
    return back;
  }
}
