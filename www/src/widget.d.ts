// Types of the <medcode-search> element (src/widget.js).

import type { MedCode, SystemName } from './index.js';

/** A chosen (or listed) code. */
export interface MedcodeSelection {
  system: SystemName;
  code: string;
  display: string;
  /** Billable on the element's date (false for a header). */
  billable: boolean;
}

export interface MedcodeSelectEventDetail extends MedcodeSelection {}

export interface MedcodeChangeEventDetail {
  /** Every chosen code after the change, in the order chosen. */
  selected: MedcodeSelection[];
}

export interface MedcodeResultsEventDetail {
  query: string;
  count: number;
  /** Milliseconds from the (first coalesced) input event to the rendered list. */
  renderMs: number;
  /** Milliseconds of the search itself. */
  searchMs: number;
}

/**
 * `<medcode-search>`: a form-associated WAI-ARIA combobox that searches the
 * code sets as the user types. Attributes: `system`, `limit`, `date`,
 * `billable-only`, `placeholder`, `multiple`, `value`, `name`, `disabled`,
 * `label` (or `aria-label`), `required`.
 */
export declare class MedcodeSearchElement extends HTMLElement {
  static readonly formAssociated: true;
  static readonly observedAttributes: string[];
  /** One code system (`icd10cm`, `hcpcs`, `icd10pcs`, `pos`, `cpt`); empty: the built-in sets together. */
  system: SystemName | '';
  /** Results listed, 1–500; default 20. */
  limit: number;
  /** Date of service, `YYYY-MM-DD`; empty: today (UTC). */
  date: string;
  /** Only codes billable on the date. Attribute `billable-only`. */
  billableOnly: boolean;
  placeholder: string;
  /** Several codes, shown as removable chips. */
  multiple: boolean;
  /** The form field name; a form gets one entry per chosen code. */
  name: string;
  disabled: boolean;
  /** A visible label; without it the input is named by `aria-label` or "Search medical codes". */
  label: string;
  /**
   * The chosen code; with `multiple`, the chosen codes joined by commas.
   * Set it to codes separated by commas or spaces (unknown codes are dropped).
   */
  value: string;
  /** The chosen codes (a copy). */
  readonly selected: MedcodeSelection[];
  /** Resolves to the page's shared MedCode instance once loaded. */
  readonly ready: Promise<MedCode>;
  /** Milliseconds from the (first coalesced) input event to the rendered list, for the last search. */
  lastRenderMs: number;
  /** Milliseconds of the last search itself. */
  lastSearchMs: number;
  readonly form: HTMLFormElement | null;
  readonly type: string;
  readonly validity: ValidityState;
  readonly validationMessage: string;
  readonly willValidate: boolean;
  checkValidity(): boolean;
  reportValidity(): boolean;
}

/**
 * Registers the element under `name` (default `medcode-search`) unless that
 * name is already taken; returns the registered constructor.
 */
export declare function define(name?: string): CustomElementConstructor;
export default MedcodeSearchElement;

declare global {
  interface HTMLElementTagNameMap {
    'medcode-search': MedcodeSearchElement;
  }
  interface HTMLElementEventMap {
    'medcode-select': CustomEvent<MedcodeSelectEventDetail>;
    'medcode-change': CustomEvent<MedcodeChangeEventDetail>;
    'medcode-ready': CustomEvent<undefined>;
    'medcode-results': CustomEvent<MedcodeResultsEventDetail>;
    'medcode-error': CustomEvent<{ error: unknown }>;
  }
}
