/*
 * Clocks that read the time again every second: SLA and deadline countdowns
 * (`data-sla-due`), ages (`data-since`) and claim leases (`data-lease-until`). Views
 * render the elements with the instant in a data attribute; `tick` fills in the text.
 */
/* global document */
import { fmtAgeShort, fmtDateTime, fmtDuration, timeFmt, toDate } from './format.js';

export function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-sla-due]')) {
    const due = toDate(el.dataset.slaDue);
    if (!due) continue;
    const left = due.getTime() - now;
    const overdue = left < 0;
    el.textContent = overdue ? `Overdue ${fmtDuration(-left)}` : `${fmtDuration(left)} left`;
    el.classList.toggle('overdue', overdue);
    el.classList.toggle('due-soon', !overdue && left < 15 * 60000);
    el.title = `Due ${fmtDateTime(el.dataset.slaDue)}`;
  }
  for (const el of document.querySelectorAll('[data-since]')) {
    const since = toDate(el.dataset.since);
    if (since) el.textContent = fmtAgeShort(now - since.getTime());
  }
  for (const el of document.querySelectorAll('[data-lease-until]')) {
    const until = toDate(el.dataset.leaseUntil);
    if (!until) continue;
    const left = until.getTime() - now;
    el.textContent = left > 0 ? `until ${timeFmt.format(until)} (${fmtDuration(left)} left)` : `lease expired at ${timeFmt.format(until)}`;
    el.classList.toggle('overdue', left <= 0);
  }
}
