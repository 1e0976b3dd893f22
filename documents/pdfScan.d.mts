/** Types of pdfScan.mjs (plain JavaScript so the pdf.js worker thread can run it without tsx). */

export declare const MAX_OBJECT_STREAM_MATCHES: number;
export declare const DEFAULT_MAX_INFLATED_BYTES: number;

export declare class PdfScanLimitError extends Error {}

export interface PdfScan {
  /** Distinct flagged names found, e.g. ['JavaScript', 'JS'] (without the slash). */
  encrypted: string[];
  scripted: string[];
  attachments: string[];
  /** Object streams inflated / skipped (unsupported filter or corrupt). */
  objectStreams: number;
  skippedStreams: number;
  /** Characters (bytes) of the file and of inflated data the scan looked at: proportional to the input. */
  charsExamined: number;
}

export declare function scanPdfBytes(input: Buffer, maxInflatedBytes?: number): PdfScan;
