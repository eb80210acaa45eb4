//! Price and stock filters. Prices are checked with the same rules the BFF applies, so a
//! mistake is explained next to the field instead of becoming a failed page.

use crate::app::{use_navigator, Route};
use crate::components::states::sentence;
use crate::components::{kept_parameters, LISTING_ACTION};
use catalog_api::{check_price_range, Amount, ListingQuery, Page};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceField {
    Min,
    Max,
}

/// Why the typed prices cannot be applied, said next to the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceError {
    pub field: PriceField,
    pub message: String,
}

/// Reads the two price fields (either may be empty). A leading `€` and a decimal comma
/// (`12,50`) are accepted because that is how people here write prices.
pub fn read_price_range(
    min: &str,
    max: &str,
) -> Result<(Option<Amount>, Option<Amount>), PriceError> {
    let read = |field: PriceField, text: &str| -> Result<Option<Amount>, PriceError> {
        let text = text.trim();
        let text = text.strip_prefix('€').unwrap_or(text).trim();
        if text.is_empty() {
            return Ok(None);
        }
        let text = if text.contains('.') {
            text.to_owned()
        } else {
            text.replacen(',', ".", 1)
        };
        let label = match field {
            PriceField::Min => "Min price",
            PriceField::Max => "Max price",
        };
        Amount::parse(label, &text)
            .map(Some)
            .map_err(|invalid| PriceError {
                field,
                message: invalid.message,
            })
    };
    let min_price = read(PriceField::Min, min)?;
    let max_price = read(PriceField::Max, max)?;
    check_price_range(min_price, max_price).map_err(|invalid| PriceError {
        field: PriceField::Min,
        message: sentence(&invalid.message),
    })?;
    Ok((min_price, max_price))
}

fn amount_text(amount: Option<Amount>) -> String {
    amount.map(|a| a.to_string()).unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct FiltersProps {
    pub query: ListingQuery,
}

#[function_component]
pub fn Filters(props: &FiltersProps) -> Html {
    let navigate = use_navigator();
    let min_text = use_state(|| amount_text(props.query.min_price));
    let max_text = use_state(|| amount_text(props.query.max_price));
    let error = use_state(|| None::<PriceError>);

    // When the URL changes the prices (back button, "Clear filters"), the fields follow.
    {
        let (min_text, max_text, error) = (min_text.clone(), max_text.clone(), error.clone());
        use_effect_with(
            (props.query.min_price, props.query.max_price),
            move |(min, max)| {
                min_text.set(amount_text(*min));
                max_text.set(amount_text(*max));
                error.set(None);
            },
        );
    }

    let onsubmit = {
        let (query, navigate) = (props.query.clone(), navigate.clone());
        let (min_text, max_text, error) = (min_text.clone(), max_text.clone(), error.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match read_price_range(&min_text, &max_text) {
                Ok((min_price, max_price)) => {
                    error.set(None);
                    navigate.emit(Route::Listing(ListingQuery {
                        min_price,
                        max_price,
                        page: Page::default(),
                        ..query.clone()
                    }));
                }
                Err(invalid) => error.set(Some(invalid)),
            }
        })
    };

    let on_stock = {
        let (query, navigate) = (props.query.clone(), navigate.clone());
        Callback::from(move |event: Event| {
            let in_stock = event.target_unchecked_into::<HtmlInputElement>().checked();
            navigate.emit(Route::Listing(ListingQuery {
                in_stock,
                page: Page::default(),
                ..query.clone()
            }));
        })
    };

    let on_text = |state: UseStateHandle<String>| {
        Callback::from(move |event: InputEvent| {
            state.set(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };

    let price_field = |field: PriceField,
                       id: &'static str,
                       name: &'static str,
                       label: &'static str,
                       text: &UseStateHandle<String>| {
        let failed = error.as_ref().filter(|e| e.field == field);
        let error_id = format!("{id}-error");
        html! {
            <div class={classes!("price-field", failed.is_some().then_some("has-error"))}>
                <label for={id}>{ label }</label>
                <input
                    {id}
                    {name}
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    placeholder={if field == PriceField::Min { "0" } else { "Any" }}
                    value={(**text).clone()}
                    oninput={on_text(text.clone())}
                    aria-invalid={failed.is_some().then_some("true")}
                    aria-describedby={failed.is_some().then(|| error_id.clone())}
                />
                if let Some(failed) = failed {
                    <p class="field-error" id={error_id} role="alert">{ &failed.message }</p>
                }
            </div>
        }
    };

    let clear_href = Route::Listing(ListingQuery {
        sort: props.query.sort,
        ..ListingQuery::default()
    })
    .to_href();

    html! {
        <form class="filters" action={LISTING_ACTION} method="get" {onsubmit} novalidate=true>
            { kept_parameters(&props.query, &["min_price", "max_price", "in_stock"]) }
            <fieldset class="price-range">
                <legend>{ "Price" }</legend>
                <div class="price-fields">
                    { price_field(PriceField::Min, "catalog-min-price", "min_price", "Min €", &min_text) }
                    { price_field(PriceField::Max, "catalog-max-price", "max_price", "Max €", &max_text) }
                </div>
                <button type="submit" class="button secondary apply">{ "Apply" }</button>
            </fieldset>
            <fieldset class="availability">
                <legend>{ "Availability" }</legend>
                <label class="checkbox">
                    <input
                        type="checkbox"
                        name="in_stock"
                        value="true"
                        checked={props.query.in_stock}
                        onchange={on_stock}
                    />
                    <span>{ "In stock only" }</span>
                </label>
            </fieldset>
            if props.query.is_filtered() {
                <a class="clear-filters" href={clear_href}>{ "Clear filters" }</a>
            }
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(amount: Option<Amount>) -> Option<u64> {
        amount.map(Amount::hundredths)
    }

    #[test]
    fn empty_fields_mean_no_price_limit() {
        assert_eq!(read_price_range("", "  "), Ok((None, None)));
    }

    #[test]
    fn prices_are_read_as_people_type_them() {
        let (min, max) = read_price_range("€5", "12,5").unwrap_or((None, None));
        assert_eq!((cents(min), cents(max)), (Some(500), Some(1250)));
    }

    #[test]
    fn a_minimum_above_the_maximum_is_blamed_on_the_minimum() {
        let error = read_price_range("50", "10").err();
        assert_eq!(
            error,
            Some(PriceError {
                field: PriceField::Min,
                message: "The minimum price (50) can't be more than the maximum (10).".into(),
            })
        );
    }

    #[test]
    fn a_malformed_price_is_blamed_on_its_own_field() {
        let error = read_price_range("5", "ten").err();
        assert_eq!(error.map(|e| e.field), Some(PriceField::Max));
        let error = read_price_range("-3", "").err();
        assert!(
            error.is_some_and(|e| e.field == PriceField::Min && e.message.starts_with("Min price"))
        );
    }
}
