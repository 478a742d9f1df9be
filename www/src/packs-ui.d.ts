// Types of <medcode-packs> and loadPackFiles (src/packs-ui.js).

import type { LoadPackProgress, PackInfo } from './index.js';

export interface PackFileError {
  /** The file's name. */
  name: string;
  /** `PACK-CORRUPT`, `PACK-VERSION`, `PACK-KIND`, `PACK-READ`, … */
  code: string;
  message: string;
}

export interface PackFilesProgress extends LoadPackProgress {
  file: Blob;
  /** 0-based position of the file in the batch. */
  index: number;
  count: number;
}

export interface PackFilesResult {
  loaded: PackInfo[];
  errors: PackFileError[];
}

/** Loads files as packs one after the other; a bad file is reported in `errors`, never thrown. */
export declare function loadPackFiles(
  files: Iterable<Blob>,
  options?: { onProgress?: (progress: PackFilesProgress) => void },
): Promise<PackFilesResult>;

/** `<medcode-packs>`: a file input, a progress bar, the loaded packs and errors as text. */
export declare class MedcodePacksElement extends HTMLElement {
  /** Loads files as the file input does (e.g. from a drop). */
  loadFiles(files: Iterable<Blob>): Promise<PackFilesResult>;
}

/** Registers the element under `name` (default `medcode-packs`) unless taken. */
export declare function definePacks(name?: string): CustomElementConstructor;
export default MedcodePacksElement;

declare global {
  interface HTMLElementTagNameMap {
    'medcode-packs': MedcodePacksElement;
  }
  interface HTMLElementEventMap {
    'medcode-pack-load': CustomEvent<{ pack: PackInfo }>;
    'medcode-pack-error': CustomEvent<PackFileError>;
    'medcode-packs-change': CustomEvent<{ packs: PackInfo[] }>;
  }
}
