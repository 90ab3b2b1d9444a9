// Crontab files as cronie reads them (crontab(5), load_env and do_command.c), every problem
// reported at once as file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrontabError, parseCrontab, splitPercent } from '../../../src/schedule/crontab.js';

function issues(text: string): string[] {
  try {
    parseCrontab(text, 'crontab');
  } catch (e) {
    assert.ok(e instanceof CrontabError);
    return e.issues;
  }
  return assert.fail('accepted');
}

test('crontab: entries, comments, blank lines and leading blanks', () => {
  const tab = parseCrontab(['# nightly', '', '   ', '  5 0 * * *   $HOME/bin/daily.job >> $HOME/tmp/out 2>&1', '@reboot /usr/bin/start-it', '\t0 22 * * 1-5\tmail -s hi joe'].join('\n'), 'crontab');
  assert.deepEqual(tab.entries.map((e) => [e.line, e.schedule.source, e.command]), [
    [4, '5 0 * * *', '$HOME/bin/daily.job >> $HOME/tmp/out 2>&1'],
    [5, '@reboot', '/usr/bin/start-it'],
    [6, '0 22 * * 1-5', 'mail -s hi joe'],
  ]);
  assert.deepEqual(tab.warnings, []);
});

test('crontab rule: NAME=value and NAME = "value" set variables; quotes keep blanks; later lines see them', () => {
  const tab = parseCrontab(['SHELL=/bin/bash', 'PATH = /usr/bin:/bin  ', 'MAILTO=""', "GREETING = ' hello world '", '0 * * * * echo $GREETING', 'AFTER=1'].join('\n'), 'crontab');
  assert.deepEqual(tab.env, { SHELL: '/bin/bash', PATH: '/usr/bin:/bin', MAILTO: '', GREETING: ' hello world ', AFTER: '1' });
  assert.deepEqual(tab.entries[0].env, { SHELL: '/bin/bash', PATH: '/usr/bin:/bin', MAILTO: '', GREETING: ' hello world ' });
});

test('crontab rule: CRON_TZ applies to the entries that follow it', () => {
  const tab = parseCrontab(['0 9 * * * a', 'CRON_TZ=Asia/Tokyo', '0 9 * * * b', 'CRON_TZ=', '0 9 * * * c'].join('\n'), 'crontab');
  assert.deepEqual(tab.entries.map((e) => e.tz), [null, 'Asia/Tokyo', null]);
});

test('crontab rule: the first unescaped % ends the command, the rest is stdin with % as newline, \\% is %', () => {
  const tab = parseCrontab('0 22 * * 1-5 mail -s "It\'s 10pm" joe%Joe,%%Where are your kids?%', 'crontab');
  assert.equal(tab.entries[0].command, 'mail -s "It\'s 10pm" joe');
  assert.equal(tab.entries[0].input, 'Joe,\n\nWhere are your kids?\n');
  assert.deepEqual(splitPercent('date +\\%Y-\\%m-\\%d'), { command: 'date +%Y-%m-%d', input: null });
  // The input ends with a newline, as do_command.c writes one after a last line without it.
  assert.deepEqual(splitPercent('cat%a\\%b%c'), { command: 'cat', input: 'a%b\nc\n' });
  assert.deepEqual(splitPercent('wc -c%abc'), { command: 'wc -c', input: 'abc\n' });
  // as do_command.c: other backslashes stay, and "\\\\%" is an escaped backslash then a real %
  assert.deepEqual(splitPercent('echo \\n\\\\%x\\y'), { command: 'echo \\n\\\\', input: 'x\\y\n' });
});

test('crontab rule: a command starting with "*" is refused as Debian does; a sixth time field is named one too many', () => {
  assert.deepEqual(issues(['# monthly', 'MAILTO=me', '15 14 1 * * * $HOME/bin/monthly', '0 0 * * * *backup'].join('\n')), [
    'crontab:3:13: bad command: "*" is one field too many: cron has five time fields (minute hour day-of-month month day-of-week), then the command',
    'crontab:4:11: bad command: a command cannot start with "*" (the shell would expand it into file names); quote it or give a path',
  ]);
});

test('crontab: every error is reported, each as file:line:col, and nothing is returned', () => {
  assert.deepEqual(issues(['0 0 * * * ok', '5/10 * * * * a', '0 24 * * * b', 'x', '@Daily c', '0 0 * * Monday d', '1 2 3 4 5', 'CRON_TZ=Mars/Olympus', 'A="open'].join('\n')), [
    'crontab:2:2: minute "5/10": a step needs a range or "*" before the "/"; write "5-59/10" or "*/10"',
    'crontab:3:3: hour 24 is out of range: hours go from 0 to 23',
    'crontab:4:1: expected five time fields and a command (minute hour day-of-month month day-of-week command), or NAME=value; got "x"',
    'crontab:5:1: unknown macro "@Daily": did you mean "@daily"? macros are lowercase',
    'crontab:6:9: day-of-week "Monday": use the three-letter name "mon"',
    'crontab:7:10: missing command after "1 2 3 4 5"',
    'crontab:8:9: unknown time zone "Mars/Olympus": expected an IANA name like "Europe/Berlin"',
    'crontab:9:3: unterminated quote in the value of A: end it with "',
  ]);
});

test('crontab: columns count from the start of the line, leading blanks included', () => {
  assert.deepEqual(issues('   0 0 * * 8 cmd'), ['crontab:1:12: day-of-week 8 is out of range: days of the week go from 0 to 7 (0 and 7 are Sunday)']);
  assert.deepEqual(issues('1X=2'), ['crontab:1:1: "1X" is not a variable name: use letters, digits and "_", not starting with a digit']);
});

test('crontab: CRLF line ends do not end up in commands', () => {
  assert.equal(parseCrontab('0 0 * * * run\r\n', 'crontab').entries[0].command, 'run');
});
