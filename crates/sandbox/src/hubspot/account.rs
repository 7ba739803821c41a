//! `GET /account-info/v3/details`, HubSpot's Account Information API
//! (<https://developers.hubspot.com/docs/api-reference/latest/account/account-information/guide>):
//! the portal id a client needs for record links, and the portal's time zone and currency.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde_json::json;

use super::Shared;
use crate::lock;

/// The fake portal's time zone, as a new HubSpot account in the US gets it.
const TIME_ZONE: &str = "US/Eastern";

/// US Eastern's offset from UTC in hours at `now`: daylight time (-4) from the second Sunday
/// of March, 02:00 local (07:00 UTC), to the first Sunday of November, 02:00 local (06:00
/// UTC); standard time (-5) otherwise.
fn eastern_offset_hours(now: DateTime<Utc>) -> i64 {
    let sunday =
        |month, n| NaiveDate::from_weekday_of_month_opt(now.year(), month, Weekday::Sun, n);
    let daylight = sunday(3, 2)
        .and_then(|d| d.and_hms_opt(7, 0, 0))
        .zip(sunday(11, 1).and_then(|d| d.and_hms_opt(6, 0, 0)))
        .is_some_and(|(start, end)| {
            let now = now.naive_utc();
            start <= now && now < end
        });
    if daylight { -4 } else { -5 }
}

pub(crate) async fn details(State(shared): State<Arc<Shared>>) -> Response {
    let portal_id = lock(&shared.control).portal_id;
    let hours = eastern_offset_hours(Utc::now());
    Json(json!({
        "portalId": portal_id,
        "accountType": "STANDARD",
        "timeZone": TIME_ZONE,
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": format!("-{:02}:00", hours.abs()),
        "utcOffsetMilliseconds": hours * 3_600_000,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn eastern_time_follows_us_daylight_saving() {
        let at = |y, m, d, h| {
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(eastern_offset_hours(at(2030, 1, 15, 12)), -5);
        assert_eq!(eastern_offset_hours(at(2030, 6, 15, 12)), -4);
        // 2030: daylight time from 10 March 07:00 UTC to 3 November 06:00 UTC.
        assert_eq!(eastern_offset_hours(at(2030, 3, 10, 6)), -5);
        assert_eq!(eastern_offset_hours(at(2030, 3, 10, 7)), -4);
        assert_eq!(eastern_offset_hours(at(2030, 11, 3, 5)), -4);
        assert_eq!(eastern_offset_hours(at(2030, 11, 3, 6)), -5);
    }
}
