//! [`Schedule`]: when a job runs: once, at an interval, daily at a wall-clock time on chosen
//! weekdays, or monthly on a day, in a chosen time zone.
//!
//! A schedule is a pure rule: [`Schedule::next_after`] says when it runs next after a given
//! instant, so it is tested and used with any clock.
//!
//! ```
//! use jiff::{civil::time, Timestamp};
//! use telegram_api::ext::schedule::{Schedule, Weekdays};
//!
//! // 09:00 in Berlin on working days.
//! let digest = Schedule::daily(time(9, 0, 0, 0), "Europe/Berlin")?.on(Weekdays::WORKING_DAYS);
//! // From Friday 2026-03-27, 11:00 in Berlin, the next run is on Monday, 09:00; clocks went
//! // forward on Sunday, so that is 07:00 UTC.
//! let friday: Timestamp = "2026-03-27T10:00:00Z".parse()?;
//! let next = digest.next_after(friday).unwrap();
//! assert_eq!(next.to_string(), "2026-03-30T07:00:00Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Wall-clock schedules follow the time zone's rules, daylight saving time included:
//! - a time that does not exist on a day (02:30 on the night clocks go forward) runs at the
//!   same distance after the gap (03:30), once;
//! - a time that happens twice (02:30 on the night clocks go back) runs at its first
//!   occurrence, once.

use std::fmt;
use std::time::Duration;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A set of weekdays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

impl Weekdays {
    /// Every day of the week.
    pub const ALL: Weekdays = Weekdays(0b111_1111);
    /// Monday to Friday.
    pub const WORKING_DAYS: Weekdays = Weekdays(0b001_1111);
    /// Saturday and Sunday.
    pub const WEEKEND: Weekdays = Weekdays(0b110_0000);

    /// The given days.
    pub fn of(days: impl IntoIterator<Item = Weekday>) -> Weekdays {
        Weekdays(days.into_iter().fold(0, |set, day| set | bit(day)))
    }

    /// Whether `day` is in the set.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & bit(day) != 0
    }

    /// Whether the set has no day.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

fn bit(day: Weekday) -> u8 {
    1 << day.to_monday_zero_offset()
}

/// When a job runs.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Schedule {
    /// Once, at an instant.
    Once {
        /// When.
        at: Timestamp,
    },
    /// Repeatedly: at `first`, then every `interval`.
    Every {
        /// The time between runs (at least a millisecond).
        interval: Duration,
        /// The first run.
        first: Timestamp,
    },
    /// Every day of `weekdays` at the wall-clock `time` of `zone`.
    Daily {
        /// The wall-clock time.
        time: Time,
        /// The days it runs on.
        weekdays: Weekdays,
        /// The time zone of `time`.
        zone: TimeZone,
    },
    /// Every month on `day` (1 to 31; the last day of months that are shorter) at the
    /// wall-clock `time` of `zone`.
    Monthly {
        /// The day of the month.
        day: i8,
        /// The wall-clock time.
        time: Time,
        /// The time zone of `time`.
        zone: TimeZone,
    },
}

/// Why a schedule could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The time zone is not in the time zone database.
    UnknownTimeZone {
        /// The name given.
        name: String,
        /// What the database said.
        source: jiff::Error,
    },
    /// A monthly day outside 1 to 31.
    InvalidDay(i64),
    /// An interval below one millisecond.
    InvalidInterval(Duration),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::UnknownTimeZone { name, source } => {
                write!(f, "unknown time zone {name:?}: {source}")
            }
            ScheduleError::InvalidDay(day) => {
                write!(f, "a day of the month is 1 to 31, not {day}")
            }
            ScheduleError::InvalidInterval(interval) => {
                write!(f, "an interval of at least 1 ms, not {interval:?}")
            }
        }
    }
}

impl std::error::Error for ScheduleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The message includes the database's: go on with the first cause it does not tell.
            ScheduleError::UnknownTimeZone { source, .. } => {
                super::store::untold_cause(&self.to_string(), source)
            }
            _ => None,
        }
    }
}

fn zone(name: &str) -> Result<TimeZone, ScheduleError> {
    TimeZone::get(name).map_err(|source| ScheduleError::UnknownTimeZone {
        name: name.to_owned(),
        source,
    })
}

impl Schedule {
    /// Once, at `at`.
    pub fn once(at: Timestamp) -> Schedule {
        Schedule::Once { at }
    }

    /// Every `interval`, the first run at `first`.
    ///
    /// # Errors
    ///
    /// Fails with [`ScheduleError::InvalidInterval`] when `interval` is shorter than 1 ms.
    pub fn every(interval: Duration, first: Timestamp) -> Result<Schedule, ScheduleError> {
        if interval < Duration::from_millis(1) {
            return Err(ScheduleError::InvalidInterval(interval));
        }
        Ok(Schedule::Every { interval, first })
    }

    /// Every day at the wall-clock `time` of the time zone `zone_name` (an IANA name such as
    /// `Europe/Berlin`, or `UTC`); [`on`](Schedule::on) chooses the weekdays.
    ///
    /// # Errors
    ///
    /// Fails with [`ScheduleError::UnknownTimeZone`] when there is no time zone `zone_name`.
    pub fn daily(time: Time, zone_name: &str) -> Result<Schedule, ScheduleError> {
        Ok(Schedule::Daily {
            time,
            weekdays: Weekdays::ALL,
            zone: zone(zone_name)?,
        })
    }

    /// Every month on `day` (1 to 31: a day past the end of a shorter month means its last
    /// day, so a job on the 31st runs every month) at the wall-clock `time` of `zone_name`.
    ///
    /// # Errors
    ///
    /// Fails with [`ScheduleError::InvalidDay`] when `day` is not 1 to 31, and
    /// [`ScheduleError::UnknownTimeZone`] when there is no time zone `zone_name`.
    pub fn monthly(day: i64, time: Time, zone_name: &str) -> Result<Schedule, ScheduleError> {
        let day = i8::try_from(day)
            .ok()
            .filter(|d| (1..=31).contains(d))
            .ok_or(ScheduleError::InvalidDay(day))?;
        Ok(Schedule::Monthly {
            day,
            time,
            zone: zone(zone_name)?,
        })
    }

    /// A daily schedule restricted to `weekdays` (other schedules are returned as they are).
    #[must_use]
    pub fn on(self, weekdays: Weekdays) -> Schedule {
        match self {
            Schedule::Daily { time, zone, .. } => Schedule::Daily {
                time,
                weekdays,
                zone,
            },
            other => other,
        }
    }

    /// The first run strictly after `after`, or `None` when there is none (a one-off already
    /// past, a daily schedule without weekdays, or past the end of representable time).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        match self {
            Schedule::Once { at } => (*at > after).then_some(*at),
            Schedule::Every { interval, first } => {
                if *first > after {
                    return Some(*first);
                }
                let step = i128::try_from(interval.as_nanos()).ok()?.max(1);
                let elapsed = after.as_nanosecond() - first.as_nanosecond();
                let runs = elapsed / step + 1;
                let next = first.as_nanosecond().checked_add(runs.checked_mul(step)?)?;
                Timestamp::from_nanosecond(next).ok()
            }
            Schedule::Daily {
                time,
                weekdays,
                zone,
            } => {
                if weekdays.is_empty() {
                    return None;
                }
                let mut date = after.to_zoned_datetime(zone.clone()).date();
                // The day of `after` itself, and up to a week on.
                for _ in 0..8 {
                    if weekdays.contains(date.weekday()) {
                        let at = local(zone, date.to_datetime(*time))?;
                        if at > after {
                            return Some(at);
                        }
                    }
                    date = date.tomorrow().ok()?;
                }
                None
            }
            Schedule::Monthly { day, time, zone } => {
                let start = after.to_zoned_datetime(zone.clone()).date();
                let (mut year, mut month) = (start.year(), start.month());
                for _ in 0..3 {
                    let first = Date::new(year, month, 1).ok()?;
                    let date = Date::new(year, month, (*day).min(first.days_in_month())).ok()?;
                    let at = local(zone, date.to_datetime(*time))?;
                    if at > after {
                        return Some(at);
                    }
                    (year, month) = if month == 12 {
                        (year.checked_add(1)?, 1)
                    } else {
                        (year, month + 1)
                    };
                }
                None
            }
        }
    }

    /// The runs in `(after, until]`, at most `limit` of them, in order: what was due while a
    /// bot was down.
    pub fn runs_between(&self, after: Timestamp, until: Timestamp, limit: usize) -> Vec<Timestamp> {
        let mut runs = Vec::new();
        let mut at = after;
        while runs.len() < limit {
            match self.next_after(at) {
                Some(next) if next <= until => {
                    runs.push(next);
                    at = next;
                }
                _ => break,
            }
        }
        runs
    }
}

/// The instant of a wall-clock time in `zone`: in a gap, as far after it as the time was into
/// it; in a fold, the first occurrence.
impl Schedule {
    /// The schedule as stored with a job: `{"once": "<instant>"}`,
    /// `{"every_ms": n, "first": "<instant>"}`, `{"daily": "HH:MM:SS", "weekdays": bits,
    /// "zone": "<IANA name>"}`, `{"monthly": day, "time": "HH:MM:SS", "zone": "<IANA name>"}`.
    /// `None` for a time zone without an IANA name (a fixed offset), which could not be read
    /// back the same.
    pub(crate) fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::json;
        Some(match self {
            Schedule::Once { at } => json!({ "once": at.to_string() }),
            Schedule::Every { interval, first } => json!({
                "every_ms": u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
                "first": first.to_string(),
            }),
            Schedule::Daily {
                time,
                weekdays,
                zone,
            } => json!({
                "daily": time.to_string(),
                "weekdays": weekdays.0,
                "zone": zone.iana_name()?,
            }),
            Schedule::Monthly { day, time, zone } => json!({
                "monthly": day,
                "time": time.to_string(),
                "zone": zone.iana_name()?,
            }),
        })
    }

    /// A schedule as [`to_json`](Schedule::to_json) stored it; `None` when it is not one.
    pub(crate) fn from_json(value: &serde_json::Value) -> Option<Schedule> {
        let text = |name: &str| value.get(name).and_then(|v| v.as_str());
        if let Some(at) = text("once") {
            return Some(Schedule::Once {
                at: at.parse().ok()?,
            });
        }
        if let Some(ms) = value.get("every_ms").and_then(|v| v.as_u64()) {
            return Schedule::every(Duration::from_millis(ms), text("first")?.parse().ok()?).ok();
        }
        let zone = TimeZone::get(text("zone")?).ok()?;
        if let Some(time) = text("daily") {
            let bits = value.get("weekdays")?.as_u64()?;
            return Some(Schedule::Daily {
                time: time.parse().ok()?,
                weekdays: Weekdays(u8::try_from(bits).ok()? & Weekdays::ALL.0),
                zone,
            });
        }
        let day = value.get("monthly")?.as_i64()?;
        let day = i8::try_from(day).ok().filter(|d| (1..=31).contains(d))?;
        Some(Schedule::Monthly {
            day,
            time: text("time")?.parse().ok()?,
            zone,
        })
    }
}

fn local(zone: &TimeZone, datetime: DateTime) -> Option<Timestamp> {
    zone.to_ambiguous_zoned_datetime(datetime)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// The time from `now` until `at` (zero when `at` is past).
pub fn until(now: Timestamp, at: Timestamp) -> Duration {
    let wait: SignedDuration = at.duration_since(now);
    Duration::try_from(wait).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn runs(schedule: &Schedule, from: &str, n: usize) -> Vec<String> {
        let mut at = ts(from);
        (0..n)
            .map(|_| {
                at = schedule.next_after(at).unwrap();
                at.to_string()
            })
            .collect()
    }

    #[test]
    fn once() {
        let s = Schedule::once(ts("2026-12-02T12:00:00Z"));
        assert_eq!(
            s.next_after(ts("2026-12-02T11:59:59Z")),
            Some(ts("2026-12-02T12:00:00Z"))
        );
        assert_eq!(s.next_after(ts("2026-12-02T12:00:00Z")), None);
    }

    #[test]
    fn every_interval() {
        let s = Schedule::every(Duration::from_secs(90), ts("2026-12-02T12:00:00Z")).unwrap();
        assert_eq!(
            runs(&s, "2026-12-02T11:00:00Z", 3),
            [
                "2026-12-02T12:00:00Z",
                "2026-12-02T12:01:30Z",
                "2026-12-02T12:03:00Z"
            ]
        );
        // From the middle of an interval, and exactly at a run.
        assert_eq!(
            runs(&s, "2026-12-02T12:02:00Z", 1),
            ["2026-12-02T12:03:00Z"]
        );
        assert_eq!(
            runs(&s, "2026-12-02T12:03:00Z", 1),
            ["2026-12-02T12:04:30Z"]
        );
        assert!(matches!(
            Schedule::every(Duration::ZERO, ts("2026-12-02T12:00:00Z")),
            Err(ScheduleError::InvalidInterval(_))
        ));
        // Far past the end of time: none, not a panic.
        let far = Schedule::every(Duration::from_secs(u64::MAX / 2), Timestamp::MIN).unwrap();
        assert!(far.next_after(Timestamp::MAX).is_none());
    }

    #[test]
    fn daily_across_the_spring_change_in_berlin() {
        // Clocks go from 02:00 CET to 03:00 CEST on 2026-03-29.
        let nine = Schedule::daily(time(9, 0, 0, 0), "Europe/Berlin").unwrap();
        assert_eq!(
            runs(&nine, "2026-03-27T12:00:00Z", 3),
            [
                "2026-03-28T08:00:00Z", // 09:00 CET
                "2026-03-29T07:00:00Z", // 09:00 CEST: 23 hours later
                "2026-03-30T07:00:00Z",
            ]
        );
        // 02:30 does not exist on the 29th: it runs at 03:30 CEST, once.
        let gap = Schedule::daily(time(2, 30, 0, 0), "Europe/Berlin").unwrap();
        assert_eq!(
            runs(&gap, "2026-03-28T02:00:00Z", 3),
            [
                "2026-03-29T01:30:00Z", // 03:30 CEST
                "2026-03-30T00:30:00Z", // 02:30 CEST
                "2026-03-31T00:30:00Z",
            ]
        );
    }

    #[test]
    fn daily_across_the_autumn_change_in_berlin() {
        // Clocks go from 03:00 CEST back to 02:00 CET on 2026-10-25: 02:30 happens twice.
        let fold = Schedule::daily(time(2, 30, 0, 0), "Europe/Berlin").unwrap();
        assert_eq!(
            runs(&fold, "2026-10-24T12:00:00Z", 2),
            [
                "2026-10-25T00:30:00Z", // the first 02:30 (CEST), and not again at 01:30Z
                "2026-10-26T01:30:00Z", // 02:30 CET
            ]
        );
        let nine = Schedule::daily(time(9, 0, 0, 0), "Europe/Berlin").unwrap();
        assert_eq!(
            runs(&nine, "2026-10-24T12:00:00Z", 2),
            ["2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"] // 25 hours apart
        );
    }

    #[test]
    fn daily_on_weekdays() {
        let working = Schedule::daily(time(9, 0, 0, 0), "UTC")
            .unwrap()
            .on(Weekdays::WORKING_DAYS);
        // 2026-12-04 is a Friday.
        assert_eq!(
            runs(&working, "2026-12-04T09:00:00Z", 2),
            ["2026-12-07T09:00:00Z", "2026-12-08T09:00:00Z"]
        );
        let weekend = Schedule::daily(time(9, 0, 0, 0), "UTC")
            .unwrap()
            .on(Weekdays::WEEKEND);
        assert_eq!(
            runs(&weekend, "2026-12-04T09:00:00Z", 3),
            [
                "2026-12-05T09:00:00Z",
                "2026-12-06T09:00:00Z",
                "2026-12-12T09:00:00Z"
            ]
        );
        let sundays = Weekdays::of([Weekday::Sunday]);
        assert!(sundays.contains(Weekday::Sunday) && !sundays.contains(Weekday::Monday));
        let never = Schedule::daily(time(9, 0, 0, 0), "UTC")
            .unwrap()
            .on(Weekdays::of([]));
        assert_eq!(never.next_after(ts("2026-12-04T09:00:00Z")), None);
    }

    #[test]
    fn monthly_on_the_31st() {
        let s = Schedule::monthly(31, time(12, 0, 0, 0), "Europe/Berlin").unwrap();
        assert_eq!(
            runs(&s, "2026-01-01T00:00:00Z", 5),
            [
                "2026-01-31T11:00:00Z",
                "2026-02-28T11:00:00Z", // the last day of February
                "2026-03-31T10:00:00Z", // CEST
                "2026-04-30T10:00:00Z",
                "2026-05-31T10:00:00Z",
            ]
        );
        // A leap year's February.
        assert_eq!(
            runs(&s, "2028-02-01T00:00:00Z", 1),
            ["2028-02-29T11:00:00Z"]
        );
        // Right after a run: the next month.
        assert_eq!(
            runs(&s, "2026-12-31T11:00:00Z", 1),
            ["2027-01-31T11:00:00Z"]
        );
        assert!(matches!(
            Schedule::monthly(0, time(12, 0, 0, 0), "UTC"),
            Err(ScheduleError::InvalidDay(0))
        ));
        assert!(matches!(
            Schedule::monthly(32, time(12, 0, 0, 0), "UTC"),
            Err(ScheduleError::InvalidDay(32))
        ));
    }

    #[test]
    fn unknown_time_zones_are_errors() {
        let e = Schedule::daily(time(9, 0, 0, 0), "Mars/Olympus_Mons").unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus_Mons"));
        // The message tells the database's error; the chain goes on past it.
        let ScheduleError::UnknownTimeZone { source, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(e.to_string().ends_with(&source.to_string()), "{e}");
    }

    #[test]
    fn runs_missed_while_down() {
        let s = Schedule::every(Duration::from_secs(60), ts("2026-12-02T12:00:00Z")).unwrap();
        let missed = s.runs_between(ts("2026-12-02T12:00:00Z"), ts("2026-12-02T12:03:30Z"), 10);
        assert_eq!(missed.len(), 3);
        assert_eq!(
            s.runs_between(ts("2026-12-02T12:00:00Z"), ts("2026-12-02T13:00:00Z"), 2)
                .len(),
            2
        );
        assert_eq!(
            until(ts("2026-12-02T12:00:00Z"), ts("2026-12-02T12:01:30Z")),
            Duration::from_secs(90)
        );
        assert_eq!(
            until(ts("2026-12-02T12:00:00Z"), ts("2026-12-02T11:00:00Z")),
            Duration::ZERO
        );
    }

    #[test]
    fn schedules_are_stored_and_read_back_the_same() {
        let at: Timestamp = "2026-03-29T00:30:00Z".parse().unwrap();
        let schedules = [
            Schedule::once(at),
            Schedule::every(Duration::from_secs(90), at).unwrap(),
            Schedule::daily(jiff::civil::time(9, 30, 0, 0), "Europe/Berlin")
                .unwrap()
                .on(Weekdays::WORKING_DAYS),
            Schedule::monthly(31, jiff::civil::time(23, 0, 0, 0), "America/New_York").unwrap(),
        ];
        for schedule in schedules {
            let json = schedule.to_json().unwrap();
            assert_eq!(
                Schedule::from_json(&json).as_ref(),
                Some(&schedule),
                "{json}"
            );
        }
        assert_eq!(
            Schedule::from_json(&serde_json::json!({"daily": "09:00"})),
            None
        );
        assert_eq!(
            Schedule::from_json(
                &serde_json::json!({"monthly": 40, "time": "09:00:00", "zone": "UTC"})
            ),
            None
        );
        assert_eq!(Schedule::from_json(&serde_json::json!("once")), None);
    }
}
