// Type declarations of the medcode JS package (src/index.js). The shapes are
// the same as the JSON of the `medcode` CLI; new fields may be added.

/** A code system name as accepted in options. */
export type SystemName = 'icd10cm' | 'hcpcs' | 'icd10pcs' | 'pos' | 'cpt';

/** A calendar date, `YYYY-MM-DD`. */
export type DateString = string;

/** Where the WebAssembly module comes from. */
export type WasmSource =
  | URL
  | string
  | Response
  | PromiseLike<Response>
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module;

export interface LoadOptions {
  /**
   * The module: a URL or URL string (in Node also a file path or `file:` URL),
   * a `Response` or a promise of one (`fetch(...)`), its bytes, or a compiled
   * `WebAssembly.Module`. Default: `medcode_bg.wasm` next to the glue
   * (fetched in browsers, read from disk in Node).
   */
  wasm?: WasmSource;
}

export interface SearchOptions {
  /** Only this system; default: ICD-10-CM, HCPCS and ICD-10-PCS (those built in) together. */
  system?: SystemName;
  /** At most this many results, 1–500; default 20. */
  limit?: number;
  /** Date of service: only codes in effect on it. Default: today (UTC). */
  date?: DateString;
  /** Only codes billable on the date (no headers). */
  billableOnly?: boolean;
  /** Only codes under this code prefix (`E11`), block (`E08-E13`) or chapter (`4`). */
  within?: string;
}

export interface GetOptions {
  /** Look only in this system; default: the first set that knows the code. */
  system?: SystemName;
  /** The date the record answers for (billable, children). Default: today (UTC). */
  date?: DateString;
}

export interface InfoOptions {
  /** The date the `billable` counts are for. Default: today (UTC). */
  date?: DateString;
}

export interface SearchResult {
  system: SystemName;
  /** Canonical form: dotted ICD-10-CM (`E11.9`), HCPCS as is (`G0439`). */
  code: string;
  display: string;
  /** Billable on the date of service (false for a header). */
  billable: boolean;
  /** Relevance, higher is better; results come sorted. */
  score: number;
}

export interface SearchResults {
  query: string;
  results: SearchResult[];
}

export type EntryKind = 'chapter' | 'block' | 'category' | 'subcategory' | 'code';

/** A date range, inclusive on both ends (`9999-12-31` for an open end). */
export interface DateRange {
  from: DateString;
  to: DateString;
}

/** A code and its description, as it appears in hierarchy lists. */
export interface CodeRef {
  code: string;
  display: string;
  kind: EntryKind;
  /** Billable on the date asked about. */
  billable: boolean;
}

export type NoteKind =
  | 'inclusionTerm'
  | 'includes'
  | 'excludes1'
  | 'excludes2'
  | 'codeFirst'
  | 'useAdditionalCode'
  | 'codeAlso'
  | 'notes'
  | 'sevenChrNote';

/** A tabular note on the code or one of its ancestors. */
export interface Note {
  kind: NoteKind | (string & {});
  text: string;
  /**
   * Codes the note names, dotless upper case: `E08` stands for E08 and
   * everything under it, `O10-O11` for a range.
   */
  codes: string[];
  /** The entry the note is written on (this code or an ancestor). */
  from: string;
}

/** An allowed 7th character. */
export interface SeventhCharacter {
  char: string;
  meaning: string;
  /** The complete code with placeholders (`S02.0XXA`). */
  code: string;
}

/** A flag (MCE edit, release attribute) in force over a date range. */
export interface FlagRange {
  flag: string;
  from: DateString;
  to: DateString;
}

export interface Conversion {
  code: string;
  effective: DateString;
}

/** An HCPCS descriptor in force over a date range. */
export interface DescriptionRange {
  from: DateString;
  to: DateString;
  description: string;
}

/** Everything medcode knows about a code on a date (what `medcode get --json` prints). */
export interface CodeRecord {
  system: SystemName;
  code: string;
  display: string;
  kind: EntryKind;
  /** Billable on the date. */
  billable: boolean;
  /** In effect on the date (billable, or a header with codes in effect under it). */
  inEffect: boolean;
  /** The date the record answers for. */
  date: DateString;
  requiresSeventhCharacter: boolean;
  /** Dates on which the code or any code under it was in effect. */
  validity: DateRange[];
  /** Dates on which the code itself was billable. */
  billableRanges: DateRange[];
  parent: CodeRef | null;
  /** From the chapter down to the parent. */
  ancestors: CodeRef[];
  /** Children in effect on the date. */
  children: CodeRef[];
  /** Notes on the code itself and on its ancestors (which apply to it too). */
  notes: Note[];
  /** Allowed 7th characters, for a code that needs one or a 7th-character expansion. */
  seventhCharacters: SeventhCharacter[];
  /** MCE (ICD-10) or release (HCPCS) flags with their date ranges. */
  flags: FlagRange[];

  // Set-specific extras, present only where they apply.
  /** ICD-10-CM: where the description of a code no longer current comes from. */
  descriptionSource?: string;
  /** ICD-10-CM: codes this one was converted to. */
  replacedBy?: Conversion[];
  /** ICD-10-CM: codes converted to this one. */
  replaces?: Conversion[];
  /** HCPCS: the descriptor's history, present only when its wording changed between releases. */
  descriptions?: DescriptionRange[];
  /** HCPCS: approval date. */
  approved?: DateString;
  /** HCPCS: termination date. */
  terminated?: DateString;
  /** HCPCS: lowest patient age. */
  ageLow?: number;
  /** HCPCS: highest patient age. */
  ageHigh?: number;
  /** Place of service: the long description. */
  longDescription?: string;
  [extra: string]: unknown;
}

/** One embedded code set, as `info` reports it. */
export interface SetInfo {
  system: SystemName;
  edition: string;
  source: string;
  /** Every entry: chapters, blocks, headers and codes, current and historical. */
  entries: number;
  /** Codes billable (valid) on the date asked about. */
  billable: number;
  validFrom: DateString;
  validTo: DateString;
  /** Bytes of the compiled code set. */
  bytes: number;
  /** Present on the entries of loaded packs: the pack's description. */
  pack?: PackInfo;
}

/** The hierarchy of a code (`tree`). */
export interface Tree {
  system: SystemName;
  code: string;
  /** Chapter → block → category → … → the code itself. */
  path: CodeRef[];
  /** Children in effect on the date. */
  children: CodeRef[];
}

/** A service line of a medcode claim. */
export interface ClaimLine {
  code: string;
  modifiers?: string[];
  units: number;
  charge: number;
  serviceDate: DateString;
  serviceDateTo?: DateString;
  /** 1-based positions in `diagnoses` (or CMS-1500 letters "A".."L"). */
  diagnosisPointers: Array<number | string>;
  placeOfService?: string;
  [field: string]: unknown;
}

/** A professional claim, shaped after the CMS-1500 / X12 837P (`CLAIMS.md`). */
export interface Claim {
  id?: string;
  patient: { birthDate: DateString; sex: 'F' | 'M' | 'U' | 'female' | 'male' | 'unknown' | 'other' | (string & {}) };
  billingProvider: { npi: string };
  renderingProvider?: { npi: string };
  placeOfService: string;
  diagnoses: string[];
  lines: ClaimLine[];
  [field: string]: unknown;
}

export interface ScrubOptions {
  /** The date "in the future" is judged against. Default: today (UTC). */
  today?: DateString;
  /** The input's shape; default `auto` (FHIR when `resourceType` is `Claim`). */
  format?: 'auto' | 'medcode' | 'fhir';
}

export type Severity = 'error' | 'warning' | 'info';

/** One problem on a claim. */
export interface Finding {
  /** A stable edit id (`DX-NOT-BILLABLE`, `NCCI-PTP`, …; see docs/edits.md). */
  edit: string;
  severity: Severity;
  /** RFC 6901 JSON pointer into the claim as it was sent. */
  path: string;
  codes: string[];
  message: string;
  /** Codes that would fix it, when the data knows them. */
  suggestions: string[];
}

export interface ScrubResult {
  /** The claim's `id`, or a label. */
  claim: string;
  /** Sorted by path, then edit id. */
  findings: Finding[];
}

export type PackKind = 'cpt' | 'ncci-ptp' | 'mue';

/** What a loaded pack holds (`loadPack`, `packs`, and `info` entries of packs). */
export interface PackInfo {
  kind: PackKind;
  /** The name it was loaded under. */
  name: string;
  edition: string;
  /** Practitioner, outpatient hospital or DME, when the source files say. */
  setting?: string;
  /** The source files and the rows each contributed. */
  sources: Array<{ file: string; rows: number }>;
  /** CPT codes, or edit rows. */
  entries: number;
  /** Distinct codes. */
  codes: number;
  validFrom: DateString;
  validTo: DateString;
  /** The container checksum, hex: the same pack bytes give the same value. */
  checksum: string;
  bytes: number;
  /** What built it (`medcode 0.1.0 pack build`). */
  built: string;
}

/** What `loadPack` reads a pack from. */
export type PackSource = ArrayBuffer | ArrayBufferView | Blob | Response | PromiseLike<Response | Blob>;

/** Progress of `loadPack(source, { onProgress })`. */
export interface LoadPackProgress {
  /** `read` once per chunk read, then `open` (being opened), then `done`. */
  phase: 'read' | 'open' | 'done';
  /** Bytes read so far. */
  loaded: number;
  /** The size, when known (a Blob's size, a Response's Content-Length). */
  total?: number;
  /** With `done`: the loaded pack. */
  pack?: PackInfo;
}

export interface LoadPackOptions {
  /** Shown in `info()` and `packs()`; default: a File's name or the last segment of a Response's URL. */
  name?: string;
  onProgress?: (progress: LoadPackProgress) => void;
}

/** Stable values of `MedCodeError.code`. */
export type ErrorCode =
  | 'BAD-DATE'
  | 'BAD-OPTION'
  | 'UNKNOWN-SYSTEM'
  | 'SYSTEM-NOT-BUILT'
  | 'TOO-LARGE'
  | 'BLOB-CORRUPT'
  | 'BLOB-VERSION'
  | 'NOT-A-CLAIM'
  | 'PACK-CORRUPT'
  | 'PACK-VERSION'
  | 'PACK-KIND'
  | 'PACK-READ'
  | 'BAD-ARGUMENT';

/**
 * What medcode throws: an `Error` (a `TypeError` for `BAD-ARGUMENT`, misuse
 * caught in JavaScript) with a stable machine-readable `code`.
 */
export interface MedCodeError extends Error {
  code: ErrorCode | (string & {});
}

/** The embedded code sets: search, look up, describe. Get one with `load()`. */
export declare class MedCode {
  private constructor();
  /**
   * Typeahead search: codes in any form (`E11.9`, `e119`, `I21.`) and words
   * in any order, each a prefix (`diab mell 2 kid`).
   * @throws {MedCodeError} on a bad option (`BAD-DATE`, `BAD-OPTION`, `UNKNOWN-SYSTEM`, …).
   */
  search(query: string, options?: SearchOptions): SearchResults;
  /**
   * The full record of a code (dotted, dotless, any case) on a date, or
   * `null` when no code set (or not the given one) knows it.
   * @throws {MedCodeError} on a bad option.
   */
  get(code: string, options?: GetOptions): CodeRecord | null;
  /** The hierarchy of a code, or `null` when no code set knows it. */
  tree(code: string, options?: GetOptions): Tree | null;
  /**
   * The complete codes made by a code's allowed 7th characters, with their
   * meanings (empty when it takes none), or `null` for an unknown code.
   */
  seventh(code: string, options?: GetOptions): SeventhCharacter[] | null;
  /**
   * Checks a claim (medcode JSON or a FHIR R4 `Claim`, as an object or JSON
   * text). Problems are findings; only input that is not a claim throws.
   * @throws {MedCodeError} `NOT-A-CLAIM`, or a bad option.
   */
  scrub(claim: Claim | Record<string, unknown> | string, options?: ScrubOptions): ScrubResult;
  /** A medcode claim as a FHIR R4 `Claim` resource. @throws {MedCodeError} `NOT-A-CLAIM`. */
  toFhir(claim: Claim | string): Record<string, unknown>;
  /** A FHIR R4 `Claim` resource as a medcode claim. @throws {MedCodeError} `NOT-A-CLAIM`. */
  fromFhir(claim: Record<string, unknown> | string): Claim;
  /**
   * Loads a pack built by `medcode pack build` (CPT codes, NCCI PTP edits,
   * MUE values) from its bytes, at once; CPT then searches as `system: 'cpt'`.
   * @throws {MedCodeError} `PACK-CORRUPT`, `PACK-VERSION` or `PACK-KIND`.
   */
  loadPack(bytes: ArrayBuffer | ArrayBufferView, name?: string): PackInfo;
  /**
   * Loads a pack from a `Blob`/`File` (read chunk by chunk), a `Response`
   * (or `fetch(...)`) or bytes, reporting progress. The promise rejects with
   * `PACK-CORRUPT`, `PACK-VERSION`, `PACK-KIND` or `PACK-READ`.
   * @throws {MedCodeError} `BAD-ARGUMENT` at once for a source of the wrong type.
   */
  loadPack(source: PackSource, options?: LoadPackOptions | string): Promise<PackInfo>;
  /** The loaded packs, in load order. */
  packs(): PackInfo[];
  /**
   * Builds what the first searches would otherwise build, in one task of
   * tens of milliseconds; `warmUp()` does the same in short slices.
   */
  prepare(): void;
  /**
   * Builds what `prepare()` builds, then types a few dozen queries drawn
   * from the code sets, keystroke by keystroke, both in slices of `sliceMs`
   * with other tasks run between them, so the browser has optimized the
   * search code before a person types and no task holds the page for long.
   * Call it when idle after `load()`, with the options the page searches
   * with; the widget does. `rounds: 0` only prepares.
   * @throws {MedCodeError} on a bad option (the promise rejects).
   */
  warmUp(options?: SearchOptions, control?: WarmUpControl): Promise<WarmUpReport>;
  /**
   * One entry per embedded code set, then one per loaded pack.
   * @throws {MedCodeError} on a bad option.
   */
  info(options?: InfoOptions): SetInfo[];
}

/**
 * Loads the module (once per realm) and opens the embedded code sets. Later
 * calls return the same promise, whatever their options.
 */
export declare function load(options?: LoadOptions): Promise<MedCode>;
export default load;

// The embeddable elements have their own entry points: `medcode/widget`
// (<medcode-search>, src/widget.d.ts) and `medcode/packs-ui` (<medcode-packs>).
export type {
  MedcodeSearchElement,
  MedcodeSelection,
  MedcodeSelectEventDetail,
  MedcodeChangeEventDetail,
  MedcodeResultsEventDetail,
} from './widget.js';

/** How `warmUp()` runs. */
export interface WarmUpControl {
  /** Times the queries are typed (default 6; 0 to 100). */
  rounds?: number;
  /** Milliseconds of searching before other tasks get a turn (default 4). */
  sliceMs?: number;
  /** Stops between slices; the promise then resolves with `aborted: true`. */
  signal?: AbortSignal;
}

/** What `warmUp()` did. */
export interface WarmUpReport {
  /** Keystrokes searched. */
  searches: number;
  /** Milliseconds spent preparing and searching. */
  busyMs: number;
  /** Steps of preparation run (0 when `prepare()` or an earlier `warmUp()` had done it). */
  prepareSteps: number;
  /** Milliseconds of `busyMs` spent preparing. */
  prepareMs: number;
  /** The longest slice of work between other tasks, in milliseconds. */
  longestSliceMs: number;
  /** Milliseconds from the call to the end, other tasks included. */
  ms: number;
  aborted: boolean;
}
