/**
 * Unification of symbolic dimensions across the whole graph.
 *
 * A name written in the .m4 file (`batch`) is one variable everywhere. A symbolic dim of an ONNX model
 * (`N`, `batch_size`) is local to each call of that model, so every call gets fresh variables
 * (`v1.N`, `v1#2.N`). Variables form a union-find; a class may be bound to one fixed size. Each binding
 * remembers where it came from, so a conflict can say both.
 */
import type { Span } from '../grammar/ast.ts';
import type { Dim } from '../plan/tensor-type.ts';

/** Where a fact about a dimension came from, for messages. */
export interface Origin {
  what: string;
  span?: Span;
}

export interface DimConflict {
  symbol: string;
  first: number;
  firstOrigin: Origin;
  second: number;
  secondOrigin: Origin;
}

export class DimUnifier {
  private parent = new Map<string, string>();
  protected bound = new Map<string, { value: number; origin: Origin }>();
  private display = new Map<string, string>();
  private counters = new Map<string, number>();

  /** A per-call prefix: every symbol of one model call shares it. */
  callScope(model: string): (name: string) => string {
    const n = (this.counters.get(model) ?? 0) + 1;
    this.counters.set(model, n);
    const prefix = n === 1 ? model : `${model}#${n}`;
    const made = new Map<string, string>();
    return (name: string) => {
      let key = made.get(name);
      if (!key) {
        key = `${prefix}.${name}`;
        made.set(name, key);
        this.parent.set(key, key);
        this.display.set(key, name);
      }
      return key;
    };
  }

  protected find(key: string): string {
    if (!this.parent.has(key)) {
      this.parent.set(key, key);
      return key;
    }
    let root = key;
    for (let p = this.parent.get(root)!; p !== root; p = this.parent.get(root)!) root = p;
    // Path compression: point every key on the way straight at the root.
    for (let k = key; k !== root;) {
      const next = this.parent.get(k)!;
      this.parent.set(k, root);
      k = next;
    }
    return root;
  }

  /**
   * Unify two dims. Returns the unified dim, or a conflict when two different fixed sizes meet.
   * `null` (unknown) unifies with anything.
   */
  unify(a: Dim, b: Dim, originA: Origin, originB: Origin): { dim: Dim } | { conflict: DimConflict } {
    if (a === null) return { dim: b };
    if (b === null) return { dim: a };
    if (typeof a === 'number' && typeof b === 'number') {
      if (a === b) return { dim: a };
      return { conflict: { symbol: '', first: a, firstOrigin: originA, second: b, secondOrigin: originB } };
    }
    if (typeof a === 'number') return this.bind(b as string, a, originA, originB);
    if (typeof b === 'number') return this.bind(a, b, originB, originA);
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return { dim: a };
    const ba = this.bound.get(ra);
    const bb = this.bound.get(rb);
    if (ba && bb && ba.value !== bb.value) {
      return { conflict: { symbol: this.name(a), first: ba.value, firstOrigin: ba.origin, second: bb.value, secondOrigin: bb.origin } };
    }
    // User-written names make better representatives than ONNX-local ones.
    const [root, child] = this.isUserSymbol(ra) || !this.isUserSymbol(rb) ? [ra, rb] : [rb, ra];
    this.parent.set(child, root);
    const binding = ba ?? bb;
    if (binding) this.bound.set(root, binding);
    return { dim: a };
  }

  private bind(sym: string, value: number, valueOrigin: Origin, symOrigin: Origin): { dim: Dim } | { conflict: DimConflict } {
    const r = this.find(sym);
    const b = this.bound.get(r);
    if (b && b.value !== value) {
      return { conflict: { symbol: this.name(sym), first: b.value, firstOrigin: b.origin, second: value, secondOrigin: valueOrigin } };
    }
    if (!b) this.bound.set(r, { value, origin: valueOrigin.span ? valueOrigin : symOrigin });
    return { dim: value };
  }

  private isUserSymbol(key: string): boolean {
    return !this.display.has(key);
  }

  /** How a variable is shown: its representative's name. */
  private name(key: string): string {
    const r = this.find(key);
    return this.display.get(r) ?? r;
  }

  /** The dim as it is known now: a size if bound, else the representative's name, `null` if unknown. */
  resolve(d: Dim): Dim {
    if (d === null || typeof d === 'number') return d;
    const r = this.find(d);
    const b = this.bound.get(r);
    if (b) return b.value;
    return this.display.get(r) ?? r;
  }
}
