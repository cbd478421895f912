import * as chrono from 'chrono-node';
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/** A schedule found in a prompt: the cron expression, its zone, the words it came from and a human reading. */
export interface ScheduleMatch {
  cron: string;
  timezone?: string;
  /** The words of the prompt that said it (removed before the rest is read as actions). */
  phrases: string[];
  description: string;
  /** The time of day was not said: 09:00 was assumed. */
  assumedTime: boolean;
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY = `(?:${DAYS.join('|')})`;
const UNIT_EVERY = /\bevery\s+(\d{1,3})\s*(minutes?|mins?|hours?|hrs?|days?)\b/;
const TIME = /\b(?:at\s+)(noon|midnight|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)(?=\W|$)/;
const PART_OF_DAY: Record<string, number> = { morning: 9, afternoon: 14, evening: 18, night: 21 };

/**
 * Reads a schedule from a prompt ("every Monday at 9am", "daily at 17:30", "every 15 minutes", "on the 1st of every
 * month", "every weekday morning in Europe/Berlin"): the time of day through chrono-node, the expression checked by
 * croner and described by cronstrue. Undefined when the prompt names no schedule.
 */
export function findSchedule(prompt: string): ScheduleMatch | undefined {
  const text = prompt.toLowerCase();
  const phrases: string[] = [];
  const take = (m: RegExpMatchArray | null) => (m ? (phrases.push(m[0]), m) : null);

  const time = readTime(text, phrases);
  const zone = readZone(prompt, phrases);
  let cron: string | undefined;
  let needsTime = true;

  const unit = take(text.match(UNIT_EVERY));
  if (unit) {
    const n = Number(unit[1]);
    const u = unit[2]!;
    if (u.startsWith('m')) cron = n >= 60 ? `0 */${Math.max(1, Math.round(n / 60))} * * *` : `*/${n} * * * *`;
    else if (u.startsWith('h')) cron = `0 */${n} * * *`;
    else cron = `${time.minute} ${time.hour} */${n} * *`;
    needsTime = !u.startsWith('m') && !u.startsWith('h');
  } else if (take(text.match(/\b(?:every|each)\s+minute\b/))) {
    cron = '* * * * *';
    needsTime = false;
  } else if (take(text.match(/\b(?:hourly|every\s+hour|each\s+hour)\b/))) {
    cron = '0 * * * *';
    needsTime = false;
  } else if (take(text.match(/\b(?:every|each|on)\s+weekdays?\b|\bevery\s+working\s+day\b|\bmonday\s+(?:to|through|-)\s+friday\b/))) {
    cron = `${time.minute} ${time.hour} * * 1-5`;
  } else {
    const days = text.match(new RegExp(`\\b(?:every|each|on)\\s+(${DAY}s?(?:\\s*(?:,|and|&)\\s*${DAY}s?)*)`));
    const monthly = text.match(/\b(?:monthly|every\s+month|each\s+month|of\s+(?:every|each)\s+month)\b/);
    if (days) {
      take(days);
      const list = [...days[1]!.matchAll(new RegExp(DAY, 'g'))].map((d) => DAYS.indexOf(d[0]));
      cron = `${time.minute} ${time.hour} * * ${[...new Set(list)].sort().join(',')}`;
    } else if (monthly) {
      take(monthly);
      const dayOfMonth = take(text.match(/\bon\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\b|\bon\s+the\s+first(?:\s+day)?\b/));
      const day = dayOfMonth?.[1] ? Math.min(28, Number(dayOfMonth[1])) : 1;
      cron = `${time.minute} ${time.hour} ${day} * *`;
    } else if (take(text.match(/\b(?:weekly|every\s+week|each\s+week|once\s+a\s+week)\b/))) {
      cron = `${time.minute} ${time.hour} * * 1`;
    } else if (
      take(
        text.match(/\b(?:daily|nightly|every\s+day|each\s+day|once\s+a\s+day|every\s+(?:morning|afternoon|evening|night)|each\s+(?:morning|evening|night))\b/),
      )
    ) {
      cron = `${time.minute} ${time.hour} * * *`;
    }
  }
  if (!cron) return undefined;
  new Cron(cron); // throws on an expression this reader got wrong: never hand a broken one on
  return {
    cron,
    ...(zone ? { timezone: zone } : {}),
    phrases,
    description: cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false }) + (zone ? ` (${zone})` : ' (UTC)'),
    assumedTime: needsTime && time.assumed,
  };
}

/** "at 9am", "at 17:30", "at noon" (chrono-node), or a part of the day ("every morning"); else 09:00, assumed. */
function readTime(text: string, phrases: string[]): { hour: number; minute: number; assumed: boolean } {
  const at = text.match(TIME);
  if (at) {
    const said = at[1] === 'noon' ? '12:00' : at[1] === 'midnight' ? '00:00' : at[1]!;
    const parsed = chrono.parse(`at ${/^\d{1,2}$/.test(said) ? `${said}:00` : said}`)[0];
    if (parsed?.start.isCertain('hour')) {
      phrases.push(at[0]);
      return { hour: parsed.start.get('hour') ?? 9, minute: parsed.start.get('minute') ?? 0, assumed: false };
    }
  }
  const part = text.match(/\b(?:in\s+the\s+)?(morning|afternoon|evening|night)s?\b/);
  if (part) return { hour: PART_OF_DAY[part[1]!]!, minute: 0, assumed: false };
  if (/\bmidnight\b/.test(text)) return { hour: 0, minute: 0, assumed: false };
  return { hour: 9, minute: 0, assumed: true };
}

const ZONES = Intl.supportedValuesOf('timeZone');

/** An IANA zone named in the prompt (`Europe/Berlin`, or its city: "Berlin time"), or UTC said outright. */
function readZone(prompt: string, phrases: string[]): string | undefined {
  const lower = prompt.toLowerCase();
  for (const zone of ZONES) {
    const z = zone.toLowerCase();
    const city = z.split('/').pop()!.replace(/_/g, ' ');
    // The zone itself anywhere; its city only as "in Berlin" or "Berlin time" (a city can be a word: Wake, Easter).
    const m =
      lower.match(new RegExp(`\\b(?:in\\s+)?${z.replace(/[/+]/g, '\\$&')}(?:\\s+time)?\\b`)) ??
      lower.match(new RegExp(`\\bin\\s+${city}\\b|\\b${city}\\s+time\\b`));
    if (m) {
      phrases.push(m[0]);
      return zone;
    }
  }
  const utc = lower.match(/\b(?:in\s+)?utc\b/);
  if (utc) phrases.push(utc[0]);
  return undefined;
}
