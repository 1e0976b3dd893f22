/**
 * PDF inspection: clean documents pass; scripts, attachments, encryption, too many pages and
 * garbage are refused — both by the raw-bytes scan and, where the dangerous dictionaries are
 * hidden in compressed object streams, by pdf.js (which also runs on its own below).
 * Test PDFs come from pdf-lib (which compresses objects into object streams by default) or are
 * written by hand (`handPdf`).
 */
import { expect } from 'chai';
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { DocumentRejected } from '../../documents/errors';
import { closePdfWorker, inspectPdf, MAX_OBJECT_STREAM_MATCHES, parsePdfStructure, scanPdfTokens } from '../../documents/pdf';
import { objStmDictsPdf, objStmTextPdf } from '../fixtures/pdfs';

async function pdf(pages: number, extra?: (doc: PDFDocument) => void | Promise<void>, useObjectStreams = true): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Statement page ${i + 1} — Ann Lee, 1 Main St, Austin`, { x: 50, y: 780, size: 12, font });
  }
  await extra?.(doc);
  return Buffer.from(await doc.save({ useObjectStreams }));
}

const openActionJs = (doc: PDFDocument) => {
  doc.catalog.set(PDFName.of('OpenAction'), doc.context.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of('app.alert(1)') }));
};

const attachment = async (doc: PDFDocument) => {
  await doc.attach(Buffer.from('MZ not really an exe'), 'invoice.exe', { mimeType: 'application/octet-stream', description: 'x' });
};

const fileAttachmentAnnotation = (doc: PDFDocument) => {
  const fileStream = doc.context.flateStream(Buffer.from('hello'), { Type: 'EmbeddedFile' });
  const fileSpec = doc.context.obj({ Type: 'Filespec', F: PDFString.of('a.txt'), EF: { F: doc.context.register(fileStream) } });
  const annot = doc.context.obj({ Type: 'Annot', Subtype: 'FileAttachment', Rect: [10, 10, 30, 30], FS: doc.context.register(fileSpec), Contents: PDFString.of('a') });
  doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([doc.context.register(annot)]));
};

const pageOpenJs = (doc: PDFDocument) => {
  doc.getPage(0).node.set(PDFName.of('AA'), doc.context.obj({ O: { S: 'JavaScript', JS: PDFString.of('app.alert(2)') } }));
};

const linkLaunch = (doc: PDFDocument) => {
  const annot = doc.context.obj({ Type: 'Annot', Subtype: 'Link', Rect: [10, 10, 200, 30], A: { S: 'Launch', F: PDFString.of('cmd.exe') } });
  doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([doc.context.register(annot)]));
};

/**
 * A hand-written PDF: `objects[i]` becomes object i+1; a correct xref table and trailer
 * (root = object 1, plus `trailerExtra`) are appended.
 */
function handPdf(objects: string[], trailerExtra = ''): Buffer {
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const PAGE_OBJECTS = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
];

/**
 * Password-protected (standard security handler, RC4 40-bit, R2). O and U are random, so no
 * password — in particular not the empty one — opens it, exactly as a viewer sees a file whose
 * user password we do not know.
 */
function encryptedPdf(): Buffer {
  const hex = (n: number) => createHash('sha256').update(String(n)).digest('hex').slice(0, 64);
  return handPdf(
    [...PAGE_OBJECTS, `<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${hex(1)}> /U <${hex(2)}> >>`],
    '/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]',
  );
}

async function rejection(p: Promise<unknown>): Promise<DocumentRejected> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(DocumentRejected);
    return err as DocumentRejected;
  }
  throw new Error('expected a DocumentRejected');
}

describe('documents: PDF inspection', function () {
  this.timeout(20_000);
  after(() => closePdfWorker());

  it('accepts a clean 2-page PDF and reports pages and sha256', async () => {
    const bytes = await pdf(2);
    const info = await inspectPdf(bytes);
    expect(info).to.deep.equal({ pages: 2, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('accepts a clean hand-written PDF (classic xref, no object streams)', async () => {
    expect((await inspectPdf(handPdf(PAGE_OBJECTS))).pages).to.equal(1);
  });

  it('refuses /OpenAction JavaScript as scripted (compressed and uncompressed)', async () => {
    expect((await rejection(inspectPdf(await pdf(1, openActionJs)))).reason).to.equal('scripted');
    expect((await rejection(inspectPdf(await pdf(1, openActionJs, false)))).reason).to.equal('scripted');
  });

  it('refuses document-level JavaScript (names tree) as scripted', async () => {
    const bytes = await pdf(1, (doc) => doc.addJavaScript('main', 'app.alert(3)'));
    expect((await rejection(inspectPdf(bytes))).reason).to.equal('scripted');
  });

  it('refuses page additional actions and Launch actions as scripted', async () => {
    expect((await rejection(inspectPdf(await pdf(1, pageOpenJs)))).reason).to.equal('scripted');
    expect((await rejection(inspectPdf(await pdf(1, linkLaunch)))).reason).to.equal('scripted');
  });

  it('refuses names hidden with #xx escapes', async () => {
    const bytes = handPdf([
      '<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(4)) >> >>',
      ...PAGE_OBJECTS.slice(1),
    ]);
    expect(scanPdfTokens(bytes).scripted).to.have.members(['JavaScript', 'JS']);
    expect((await rejection(inspectPdf(bytes))).reason).to.equal('scripted');
  });

  it('refuses embedded files and file-attachment annotations as attachments', async () => {
    expect((await rejection(inspectPdf(await pdf(1, attachment)))).reason).to.equal('attachments');
    expect((await rejection(inspectPdf(await pdf(1, fileAttachmentAnnotation)))).reason).to.equal('attachments');
  });

  it('refuses a password-protected PDF as encrypted', async () => {
    expect((await rejection(inspectPdf(encryptedPdf()))).reason).to.equal('encrypted');
  });

  it('refuses more than maxPages pages', async () => {
    const err = await rejection(inspectPdf(await pdf(11)));
    expect(err.reason).to.equal('too_many_pages');
    expect((await inspectPdf(await pdf(3), { maxPages: 3 })).pages).to.equal(3);
  });

  it('refuses garbage behind a %PDF header as unreadable', async () => {
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), createHash('sha512').update('x').digest(), Buffer.alloc(2000, 0x41)]);
    expect((await rejection(inspectPdf(garbage))).reason).to.equal('unreadable');
  });

  it('refuses a truncated PDF as unreadable', async () => {
    const bytes = await pdf(2);
    expect((await rejection(inspectPdf(bytes.subarray(0, 200)))).reason).to.equal('unreadable');
  });

  it('refuses non-PDF bytes and oversized files', async () => {
    expect((await rejection(inspectPdf(Buffer.from('<html>%PDF-1.7</html>')))).reason).to.equal('unsupported_type');
    expect((await rejection(inspectPdf(await pdf(1), { maxBytes: 100 }))).reason).to.equal('file_too_large');
  });

  it('refuses an object-stream inflate bomb without inflating it all', () => {
    const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
    const bytes = Buffer.concat([
      handPdf(PAGE_OBJECTS),
      Buffer.from(`5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`, 'latin1'),
      bomb,
      Buffer.from('\nendstream\nendobj\n', 'latin1'),
    ]);
    expect(() => scanPdfTokens(bytes, 1024 * 1024)).to.throw(DocumentRejected).with.property('reason', 'unreadable');
  });

  describe('raw scan', () => {
    it('finds nothing in a clean file, and sees inside object streams', async () => {
      const clean = scanPdfTokens(await pdf(2));
      expect(clean).to.include({ objectStreams: 1 });
      expect([...clean.encrypted, ...clean.scripted, ...clean.attachments]).to.deep.equal([]);
      // pdf-lib puts the catalog (with the OpenAction) in a compressed object stream:
      const compressed = await pdf(1, openActionJs);
      expect(compressed.includes('/JavaScript')).to.equal(false);
      expect(scanPdfTokens(compressed).scripted).to.include('JavaScript');
    });

    it('flags /Encrypt in the trailer', () => {
      expect(scanPdfTokens(encryptedPdf()).encrypted).to.deep.equal(['Encrypt']);
    });

    // Issue 8.2: the old scan searched back and to the end of the file for every "/Type /ObjStm"
    // it saw — quadratic (a 1 MB file of the first shape took 48 s, 4 MB minutes). The work is
    // counted, not timed: the scan reports how many characters it examined.
    const MB4 = 4 * 1024 * 1024;

    it('examines a 4 MB page that shows "/Type /ObjStm" in its text a constant number of times per byte', () => {
      const bytes = objStmTextPdf(MB4);
      expect(bytes.toString('latin1').split('/Type /ObjStm').length - 1).to.be.above(150_000);
      const scan = scanPdfTokens(bytes);
      expect(scan).to.include({ objectStreams: 0, skippedStreams: 0 });
      expect(scan.charsExamined).to.be.at.most(4 * bytes.length);
    });

    it('examines 4 MB of object-stream dictionaries without streams (under the cap) a constant number of times per byte', () => {
      // Each dictionary padded so that a few hundred of them fill 4 MB: under the cap, so all are walked.
      const padded = Array.from({ length: MAX_OBJECT_STREAM_MATCHES - 1 }, () => `<< /Type /ObjStm /N 1 /First 4 /Pad (${' '.repeat(4200)}) >>`);
      const bytes = handPdf([...PAGE_OBJECTS, ...padded]);
      expect(bytes.length).to.be.above(MB4 - 100_000);
      const scan = scanPdfTokens(bytes);
      expect(scan).to.include({ objectStreams: 0, skippedStreams: 0 });
      expect(scan.charsExamined).to.be.at.most(4 * bytes.length);
    });

    it(`refuses more than ${MAX_OBJECT_STREAM_MATCHES} object-stream dictionaries as unreadable`, () => {
      expect(() => scanPdfTokens(objStmDictsPdf(MB4))).to.throw(DocumentRejected).with.property('reason', 'unreadable');
    });

    it('still inflates and reads object streams that follow a page full of "/Type /ObjStm" text', async () => {
      const hidden = await pdf(1, openActionJs);
      const text = objStmTextPdf(256 * 1024);
      // The text PDF's objects, then pdf-lib's compressed catalog stream appended as further bytes.
      const scan = scanPdfTokens(Buffer.concat([text, hidden.subarray(hidden.indexOf('%', 1))]));
      expect(scan.objectStreams).to.be.at.least(1);
      expect(scan.scripted).to.include('JavaScript');
    });
  });

  describe('hostile 4 MB shapes end to end (issue 8.2)', () => {
    it('accepts the page that shows "/Type /ObjStm" as text, and refuses the dictionaries without streams', async () => {
      expect((await inspectPdf(objStmTextPdf(4 * 1024 * 1024))).pages).to.equal(1);
      expect((await rejection(inspectPdf(objStmDictsPdf(4 * 1024 * 1024)))).reason).to.equal('unreadable');
    });

    it('runs the raw scan under the timeout: a scan that outlasts it is cut off as unreadable', async () => {
      // 15 MB of such text takes the scan hundreds of ms: far beyond a 20 ms budget.
      const err = await rejection(inspectPdf(objStmTextPdf(15 * 1024 * 1024), { timeoutMs: 20 }));
      expect(err.reason).to.equal('unreadable');
      expect(String((err.cause as Error).message)).to.include('timed out');
      expect((await inspectPdf(await pdf(1))).pages).to.equal(1); // and the next file gets a fresh worker
    });
  });

  describe('pdf.js alone (without the raw scan)', () => {
    const limits = { maxPages: 10, timeoutMs: 5000 };

    it('counts pages of a clean file', async () => {
      expect(await parsePdfStructure(await pdf(2), limits)).to.deep.equal({ pages: 2, scripted: [], attachments: [] });
    });

    it('reports OpenAction, names-tree and page JavaScript', async () => {
      expect((await parsePdfStructure(await pdf(1, openActionJs), limits)).scripted).to.not.be.empty;
      expect((await parsePdfStructure(await pdf(1, (d) => d.addJavaScript('m', 'x()')), limits)).scripted).to.not.be.empty;
      expect((await parsePdfStructure(await pdf(1, pageOpenJs), limits)).scripted).to.not.be.empty;
    });

    it('reports embedded files and file-attachment annotations', async () => {
      expect((await parsePdfStructure(await pdf(1, attachment), limits)).attachments).to.not.be.empty;
      expect((await parsePdfStructure(await pdf(1, fileAttachmentAnnotation), limits)).attachments).to.not.be.empty;
    });

    it('refuses a password-protected file as encrypted', async () => {
      expect((await rejection(parsePdfStructure(encryptedPdf(), limits))).reason).to.equal('encrypted');
    });

    it('gives up after the timeout, and the next file gets a fresh worker', async () => {
      // A 1 ms budget races a warm worker thread on a small file; a 10-page file loses that race
      // (nearly) every time — allow a few tries so the test asserts the timeout, not the scheduler.
      const big = await pdf(10);
      let err: DocumentRejected | undefined;
      for (let i = 0; i < 5 && !err; i++) {
        err = await parsePdfStructure(big, { maxPages: 10, timeoutMs: 1 }).then(
          () => undefined,
          (e: unknown) => (e instanceof DocumentRejected ? e : Promise.reject(e)),
        );
      }
      expect(err, 'no attempt timed out').to.be.instanceOf(DocumentRejected);
      expect(err!.reason).to.equal('unreadable');
      expect((await parsePdfStructure(await pdf(2), limits)).pages).to.equal(2);
    });

    it('runs concurrent calls one after another, each with its own answer', async () => {
      const files = await Promise.all([pdf(1), pdf(2), pdf(1, openActionJs), pdf(3)]);
      const results = await Promise.all(files.map((f) => parsePdfStructure(f, limits)));
      expect(results.map((r) => r.pages)).to.deep.equal([1, 2, 1, 3]);
      expect(results.map((r) => r.scripted.length > 0)).to.deep.equal([false, false, true, false]);
    });
  });
});
