/**
 * Building DOM without markup strings. Every string child becomes a text node and every attribute
 * is set one by one, so a value from the database (a model name, a slice value, a path) can never
 * become HTML. There is deliberately no way to set innerHTML here.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  title?: string;
  /** Only in-page routes (`#/...`): a database value can never become a `javascript:` link. */
  href?: string;
  type?: string;
  value?: string;
  name?: string;
  placeholder?: string;
  checked?: boolean;
  disabled?: boolean;
  selected?: boolean;
  colSpan?: number;
  data?: Record<string, string>;
  /** Inline styles computed from numbers (never from database text). */
  style?: Partial<Record<'backgroundColor' | 'color' | 'width' | 'height' | 'borderColor', string>>;
  onclick?: (ev: MouseEvent) => void;
  oninput?: (ev: Event) => void;
  onchange?: (ev: Event) => void;
  'aria-label'?: string;
  'aria-sort'?: string;
  role?: string;
}

/** Create an element with properties and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props !== null) {
    if (props.class !== undefined) node.className = props.class;
    if (props.id !== undefined) node.id = props.id;
    if (props.title !== undefined) node.title = props.title;
    if (props.href !== undefined) {
      if (!props.href.startsWith('#')) throw new Error(`refusing a non-local link: ${props.href}`);
      node.setAttribute('href', props.href);
    }
    if (props.type !== undefined) node.setAttribute('type', props.type);
    if (props.name !== undefined) node.setAttribute('name', props.name);
    if (props.placeholder !== undefined) node.setAttribute('placeholder', props.placeholder);
    if (props.value !== undefined) (node as HTMLInputElement).value = props.value;
    if (props.checked !== undefined) (node as HTMLInputElement).checked = props.checked;
    if (props.disabled !== undefined) (node as HTMLButtonElement).disabled = props.disabled;
    if (props.selected !== undefined) (node as HTMLOptionElement).selected = props.selected;
    if (props.colSpan !== undefined) (node as HTMLTableCellElement).colSpan = props.colSpan;
    if (props.role !== undefined) node.setAttribute('role', props.role);
    if (props['aria-label'] !== undefined) node.setAttribute('aria-label', props['aria-label']);
    if (props['aria-sort'] !== undefined) node.setAttribute('aria-sort', props['aria-sort']);
    if (props.data !== undefined) for (const [k, v] of Object.entries(props.data)) node.dataset[k] = v;
    if (props.style !== undefined) Object.assign(node.style, props.style);
    const target: HTMLElement = node;
    if (props.onclick !== undefined) target.addEventListener('click', props.onclick);
    if (props.oninput !== undefined) target.addEventListener('input', props.oninput);
    if (props.onchange !== undefined) target.addEventListener('change', props.onchange);
  }
  append(node, ...children);
  return node;
}

/** Append children; strings and numbers as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replace every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A route link: `#/run/<id>` with the id URI-encoded. */
export function routeHref(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}
