import { Token } from 'aws-cdk-lib';
import { PropValidationError } from '../core/errors';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
/** Who imposes the rules: RDS wants both windows to last at least 30 minutes, ElastiCache 60. */
export interface WindowRules {
  readonly service: string;
  readonly minMinutes: number;
  /** The prop named when the windows overlap. */
  readonly maintenanceProp: string;
}

const RDS: WindowRules = { service: 'RDS', minMinutes: 30, maintenanceProp: 'preferredMaintenanceWindow' };

/** A window as minutes: daily windows from midnight UTC, weekly windows from Monday 00:00 UTC. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

function hhmm(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Parses a daily backup window `hh24:mi-hh24:mi` (UTC); undefined for tokens. */
export function parseBackupWindow(
  construct: string,
  prop: string,
  value: string,
  rules: WindowRules = RDS,
): Window | undefined {
  if (Token.isUnresolved(value)) return undefined;
  const parts = value.split('-');
  const start = parts.length === 2 ? hhmm(parts[0]) : undefined;
  const end = parts.length === 2 ? hhmm(parts[1]) : undefined;
  if (start === undefined || end === undefined) {
    throw new PropValidationError(
      construct,
      prop,
      `must look like 'hh24:mi-hh24:mi' in UTC, e.g. '03:00-04:00'; received '${value}'.`,
    );
  }
  return checkLength(construct, prop, value, start, end, MINUTES_PER_DAY, rules);
}

/** Parses a weekly maintenance window `ddd:hh24:mi-ddd:hh24:mi` (UTC); undefined for tokens. */
export function parseMaintenanceWindow(
  construct: string,
  prop: string,
  value: string,
  rules: WindowRules = RDS,
): Window | undefined {
  if (Token.isUnresolved(value)) return undefined;
  const m = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/i.exec(value);
  const day = (d: string): number => DAYS.indexOf(d.toLowerCase());
  const sm = m ? hhmm(m[2]) : undefined;
  const em = m ? hhmm(m[4]) : undefined;
  if (!m || day(m[1]) < 0 || day(m[3]) < 0 || sm === undefined || em === undefined) {
    throw new PropValidationError(
      construct,
      prop,
      `must look like 'ddd:hh24:mi-ddd:hh24:mi' in UTC with ddd one of ${DAYS.join(', ')}, ` +
        `e.g. 'sun:05:00-sun:06:00'; received '${value}'.`,
    );
  }
  const start = day(m[1]) * MINUTES_PER_DAY + sm;
  const end = day(m[3]) * MINUTES_PER_DAY + em;
  return checkLength(construct, prop, value, start, end, MINUTES_PER_WEEK, rules);
}

function checkLength(
  construct: string,
  prop: string,
  value: string,
  start: number,
  end: number,
  cycle: number,
  rules: WindowRules,
): Window {
  const length = (end - start + cycle) % cycle;
  if (length < rules.minMinutes) {
    throw new PropValidationError(
      construct,
      prop,
      `must last at least ${rules.minMinutes} minutes (${rules.service} minimum); received '${value}' (${length} minutes).`,
    );
  }
  return { start, end: start + length };
}

/**
 * Throws when the daily backup window overlaps the weekly maintenance window on any day
 * (RDS rejects overlapping windows; backups run in the backup window, note 004 L161).
 */
export function assertNoOverlap(
  construct: string,
  backupText: string,
  maintenanceText: string,
  backup: Window,
  maintenance: Window,
  rules: WindowRules = RDS,
): void {
  for (let day = -1; day <= 7; day++) {
    const bStart = day * MINUTES_PER_DAY + backup.start;
    const bEnd = day * MINUTES_PER_DAY + backup.end;
    for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) {
      const mStart = maintenance.start + shift;
      const mEnd = maintenance.end + shift;
      if (bStart < mEnd && mStart < bEnd) {
        throw new PropValidationError(
          construct,
          rules.maintenanceProp,
          `'${maintenanceText}' overlaps the daily backup window '${backupText}'; ${rules.service} requires the two windows ` +
            'not to overlap (backups run in the backup window, maintenance in the maintenance window). ' +
            'Move one of them.',
        );
      }
    }
  }
}
