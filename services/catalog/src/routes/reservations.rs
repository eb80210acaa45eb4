use super::invalid;
use crate::domain::{NewReservation, ReservationId};
use crate::storage::{self, Reserve};
use actix_web::{web, HttpResponse};
use catalog_service_api::{
    OutOfStock, Reservation, ReservationRequest, ReservationState, Shortage, OUT_OF_STOCK,
    RESERVATION_EXPIRED, RESERVATION_RELEASED,
};
use chrono::Utc;
use platform::database::DbResultExt;
use platform::{Error, Result};
use sea_orm::DatabaseConnection;

/// `PUT /reservations/{id}` with a `ReservationRequest`: 201 with the new reservation;
/// 200 with the existing one when `id` already holds the same lines (a retry, whatever
/// its state now); 409 `conflict` when it holds other lines; 409 `out_of_stock` with the
/// short lines; 422 naming unknown products.
pub async fn reserve(
    id: web::Path<String>,
    request: web::Json<ReservationRequest>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let id = ReservationId::parse(&id).map_err(invalid)?;
    let wanted = NewReservation::parse(&request).map_err(invalid)?;
    if let Some(existing) = storage::reservation(&db, id.as_str())
        .await
        .or_db_error("loading a reservation")?
    {
        return replay(&wanted, existing);
    }
    match storage::reserve(&db, &id, &wanted, Utc::now())
        .await
        .or_db_error("reserving stock")?
    {
        Reserve::Created(reservation) => Ok(HttpResponse::Created().json(reservation)),
        // A concurrent request with this id won the race: answer as its retry would be.
        Reserve::Exists => replay(&wanted, load(&db, &id).await?),
        Reserve::UnknownProducts(ids) => Err(Error::unprocessable(
            "lines",
            match ids.as_slice() {
                [id] => format!("There is no product {id}"),
                _ => format!("There are no products {}", list(&ids)),
            },
        )),
        Reserve::Short(shortages) => Ok(out_of_stock(shortages)),
    }
}

/// `GET /reservations/{id}`
pub async fn by_id(
    id: web::Path<String>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let id = ReservationId::parse(&id).map_err(invalid)?;
    Ok(HttpResponse::Ok().json(load(&db, &id).await?))
}

/// `POST /reservations/{id}/commit`: 200 when it is (now, or already) committed; 409
/// `reservation_expired` or `reservation_released` when its units went back to stock.
pub async fn commit(
    id: web::Path<String>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let id = ReservationId::parse(&id).map_err(invalid)?;
    let now = Utc::now();
    if !storage::commit(&db, id.as_str(), now)
        .await
        .or_db_error("committing a reservation")?
    {
        let mut current = load(&db, &id).await?;
        if current.state == ReservationState::Held {
            // Past its expiry, and the sweeper has not got to it yet: expire it now, so
            // its units are back for the next shopper.
            storage::expire(&db, id.as_str(), now)
                .await
                .or_db_error("expiring a reservation")?;
            current = load(&db, &id).await?;
        }
        match current.state {
            ReservationState::Committed => {}
            ReservationState::Expired => {
                return Err(conflict(
                    RESERVATION_EXPIRED,
                    format!(
                        "Reservation {id} expired at {}; its units went back to stock",
                        current.expires_at
                    ),
                ))
            }
            ReservationState::Released => {
                return Err(conflict(
                    RESERVATION_RELEASED,
                    format!("Reservation {id} was released; its units went back to stock"),
                ))
            }
            ReservationState::Held => {
                return Err(Error::Internal(anyhow::anyhow!(
                    "reservation {id} is still held after a refused commit"
                )))
            }
        }
        return Ok(HttpResponse::Ok().json(current));
    }
    Ok(HttpResponse::Ok().json(load(&db, &id).await?))
}

/// `POST /reservations/{id}/release`: 200 when it is (now, or already) released or
/// expired; 409 `conflict` when it was committed.
pub async fn release(
    id: web::Path<String>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let id = ReservationId::parse(&id).map_err(invalid)?;
    let released = storage::release(&db, id.as_str(), Utc::now())
        .await
        .or_db_error("releasing a reservation")?;
    let current = load(&db, &id).await?;
    if !released && current.state == ReservationState::Committed {
        return Err(Error::Conflict(format!(
            "Reservation {id} is committed: its units are sold and cannot be released"
        )));
    }
    Ok(HttpResponse::Ok().json(current))
}

async fn load(db: &DatabaseConnection, id: &ReservationId) -> Result<Reservation> {
    storage::reservation(db, id.as_str())
        .await
        .or_db_error("loading a reservation")?
        .ok_or_else(|| Error::NotFound(format!("There is no reservation \"{id}\"")))
}

/// The answer to a `PUT` of an id that exists.
fn replay(wanted: &NewReservation, existing: Reservation) -> Result<HttpResponse> {
    if wanted.is_same_as(&existing) {
        Ok(HttpResponse::Ok().json(existing))
    } else {
        Err(Error::Conflict(format!(
            "Reservation {} already exists with other lines",
            existing.id
        )))
    }
}

/// 409 `out_of_stock`, naming every short line.
fn out_of_stock(shortages: Vec<Shortage>) -> HttpResponse {
    let short: Vec<String> = shortages
        .iter()
        .map(|shortage| match shortage.available {
            0 => format!("{} (none left)", shortage.name),
            left => format!("{} ({left} left)", shortage.name),
        })
        .collect();
    let error = conflict(
        OUT_OF_STOCK,
        format!("Not enough stock: {}", short.join(", ")),
    );
    HttpResponse::Conflict().json(OutOfStock {
        error: error.to_body().error,
        shortages,
    })
}

/// A 409 with a code more precise than `conflict`, for the caller to act on.
fn conflict(code: &str, message: String) -> Error {
    Error::refused(actix_web::http::StatusCode::CONFLICT, code, None, message)
}

fn list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
