//! The product page, with the quantity picker and the add-to-cart button.

use crate::api;
use crate::app::Route;
use crate::components::{
    product_card::{stock_badge, FIRST_PRODUCT},
    states::{error_panel, product_missing},
};
use catalog_api::{ListingQuery, ProductDetail};
use gloo_timers::callback::Timeout;
use mfe_kit::events::{self, AddToCart, AddToCartFailed, CartChanged};
use mfe_kit::http::{use_first_answer, ApiError, Failure};
use mfe_kit::set_title;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// How long to wait for the cart to confirm an add-to-cart before saying it did not. The
/// cart's badge loads after this page (up to a few seconds on a slow line), and the add
/// waits for it to listen, so this covers its loading too.
const CART_ANSWER_MS: u32 = 8_000;

#[derive(Clone, PartialEq)]
enum Fetch {
    Loading,
    Loaded(Rc<ProductDetail>),
    Failed(ApiError),
}

#[derive(Properties, PartialEq)]
pub struct ProductPageProps {
    pub slug: AttrValue,
}

/// Keyed by slug by the router, so each product starts from a fresh state.
#[function_component]
pub fn ProductPage(props: &ProductPageProps) -> Html {
    // On the page's first load the product is usually here already (the shell asked for it).
    let (first, skip_first_fetch) = use_first_answer(|| api::ready_product(&props.slug));
    let fetch = use_state(|| match first {
        Some(Ok(product)) => Fetch::Loaded(Rc::new(product)),
        Some(Err(error)) => Fetch::Failed(error),
        None => Fetch::Loading,
    });
    let retries = use_state(|| 0_u32);

    {
        let fetch = fetch.clone();
        use_effect_with((props.slug.clone(), *retries), move |(slug, _)| {
            if skip_first_fetch.replace(false) {
                return;
            }
            fetch.set(Fetch::Loading);
            let slug = slug.clone();
            wasm_bindgen_futures::spawn_local(async move {
                fetch.set(match api::product(&slug).await {
                    Ok(product) => Fetch::Loaded(Rc::new(product)),
                    Err(error) => Fetch::Failed(error),
                });
            });
        });
    }

    {
        let title = match &*fetch {
            Fetch::Loaded(product) => Some(product.name.clone()),
            Fetch::Failed(error) if Failure::of(error) == Failure::Missing => {
                Some("Product not found".to_owned())
            }
            _ => None,
        };
        use_effect_with(title, |title| {
            if let Some(title) = title {
                set_title(Some(title));
            }
        });
    }

    let on_retry = {
        let retries = retries.clone();
        Callback::from(move |()| retries.set(*retries + 1))
    };

    match &*fetch {
        Fetch::Loading => product_skeleton(),
        Fetch::Loaded(product) => product_view(product),
        Fetch::Failed(error) if Failure::of(error) == Failure::Missing => {
            html! { <div class="page-state">{ product_missing() }</div> }
        }
        Fetch::Failed(error) => html! {
            <div class="page-state">{ error_panel(error, &on_retry) }</div>
        },
    }
}

fn product_view(product: &ProductDetail) -> Html {
    let all = Route::Listing(ListingQuery::default()).to_href();
    let category = Route::Listing(ListingQuery {
        category: Some(product.category.slug.clone()),
        ..ListingQuery::default()
    })
    .to_href();
    html! {
        <article class="product-detail">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <ol>
                    <li><a href={all}>{ "All products" }</a></li>
                    <li><a href={category.clone()}>{ &product.category.name }</a></li>
                    <li><span aria-current="page">{ &product.name }</span></li>
                </ol>
            </nav>
            <div class="product-layout">
                <div class="product-gallery">
                    <img
                        src={product.image.url.clone()}
                        alt={product.image.alt.clone()}
                        width="800"
                        height="800"
                        fetchpriority="high"
                    />
                </div>
                <div class="product-summary">
                    <a class="product-category" href={category.clone()}>{ &product.category.name }</a>
                    <h1 elementtiming={FIRST_PRODUCT}>{ &product.name }</h1>
                    <div class="product-meta">
                        <p class="price">{ &product.price }</p>
                        { stock_badge(&product.stock) }
                    </div>
                    <div class="description">
                        { for product.description.split("\n\n").filter(|p| !p.trim().is_empty()).map(|paragraph| html! {
                            <p>{ paragraph.trim().to_owned() }</p>
                        }) }
                    </div>
                    <AddToCartForm product_id={product.id} max_quantity={product.max_quantity} />
                </div>
            </div>
        </article>
    }
}

/// Where an add-to-cart stands. The cart answers with `cart:changed` or `cart:add-failed`;
/// silence means no cart is listening, and the shopper is told so instead of being left
/// guessing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Adding {
    Idle,
    Waiting,
    Added,
    /// The cart refused, saying why (sold out, too many, unavailable).
    Refused(Rc<str>),
    NoAnswer,
}

impl Adding {
    fn message(&self) -> &str {
        match self {
            Adding::Idle => "",
            Adding::Waiting => "Adding to your cart…",
            Adding::Added => "Added to your cart.",
            Adding::Refused(message) => message,
            Adding::NoAnswer => {
                "The cart isn't available right now, so nothing was added. Please try again later."
            }
        }
    }
}

enum AddingEvent {
    Sent,
    CartChanged,
    Refused(Rc<str>),
    TimedOut,
}

impl Reducible for Adding {
    type Action = AddingEvent;

    fn reduce(self: Rc<Self>, event: AddingEvent) -> Rc<Self> {
        let next = match (&*self, event) {
            (_, AddingEvent::Sent) => Adding::Waiting,
            (Adding::Waiting, AddingEvent::CartChanged) => Adding::Added,
            (Adding::Waiting, AddingEvent::Refused(message)) => Adding::Refused(message),
            (Adding::Waiting, AddingEvent::TimedOut) => Adding::NoAnswer,
            // A cart change we did not ask for, or a late answer: nothing to say.
            (state, _) => state.clone(),
        };
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

#[derive(Properties, PartialEq)]
struct AddToCartProps {
    product_id: i64,
    max_quantity: u32,
}

#[function_component]
fn AddToCartForm(props: &AddToCartProps) -> Html {
    let quantity = use_state(|| 1_u32);
    let adding = use_reducer(|| Adding::Idle);
    // The pending "no answer" timer; dropping it cancels it.
    let timeout = use_mut_ref(|| None::<Timeout>);
    // Waiting for the cart to listen; dropping it gives up.
    let waiting_for_cart = use_mut_ref(|| None::<gloo_events::EventListener>);

    {
        let (dispatcher, timeout) = (adding.dispatcher(), timeout.clone());
        let product_id = props.product_id;
        use_effect_with(product_id, move |_| {
            let changed = {
                let (dispatcher, timeout) = (dispatcher.clone(), timeout.clone());
                events::listen::<CartChanged>(move |_| {
                    timeout.borrow_mut().take();
                    dispatcher.dispatch(AddingEvent::CartChanged);
                })
            };
            let refused = events::listen::<AddToCartFailed>(move |failed| {
                if failed.product_id == product_id {
                    timeout.borrow_mut().take();
                    dispatcher.dispatch(AddingEvent::Refused(failed.message.into()));
                }
            });
            move || drop((changed, refused))
        });
    }

    let sold_out = props.max_quantity == 0;
    let onsubmit = {
        let (quantity, dispatcher, product_id) =
            (quantity.clone(), adding.dispatcher(), props.product_id);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if sold_out {
                return;
            }
            dispatcher.dispatch(AddingEvent::Sent);
            let (on_timeout, give_up) = (dispatcher.clone(), waiting_for_cart.clone());
            *timeout.borrow_mut() = Some(Timeout::new(CART_ANSWER_MS, move || {
                // A cart that turns up later must not add what the shopper was told was not.
                give_up.borrow_mut().take();
                on_timeout.dispatch(AddingEvent::TimedOut);
            }));
            let add = AddToCart {
                product_id,
                quantity: *quantity,
            };
            *waiting_for_cart.borrow_mut() =
                events::when_ready("cart", move || events::dispatch(&add));
        })
    };
    let onchange = {
        let quantity = quantity.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(value) = value.parse() {
                quantity.set(value);
            }
        })
    };
    let status_class = match *adding {
        Adding::Added => Some("is-ok"),
        Adding::NoAnswer | Adding::Refused(_) => Some("is-problem"),
        _ => None,
    };

    html! {
        <form class="purchase" {onsubmit}>
            <div class="quantity">
                <label for="catalog-quantity">{ "Quantity" }</label>
                <select id="catalog-quantity" name="quantity" disabled={sold_out} {onchange}>
                    { for (1..=props.max_quantity).map(|n| html! {
                        <option value={n.to_string()} selected={n == *quantity}>{ n }</option>
                    }) }
                </select>
            </div>
            <button type="submit" class="add-to-cart button primary" disabled={sold_out}>
                { if sold_out { "Out of stock" } else { "Add to cart" } }
            </button>
            <p class={classes!("add-to-cart-status", status_class)} role="status">
                { adding.message() }
            </p>
            <p class="without-scripts">{ "Adding to the cart needs JavaScript: please turn it on to shop." }</p>
        </form>
    }
}

/// The page's shape in grey while the product loads.
fn product_skeleton() -> Html {
    html! {
        <div class="product-detail skeleton" aria-busy="true">
            <p class="visually-hidden" role="status">{ "Loading product…" }</p>
            <div class="breadcrumb"><span class="skeleton-line short"></span></div>
            <div class="product-layout" aria-hidden="true">
                <div class="product-gallery"></div>
                <div class="product-summary">
                    <span class="skeleton-line short"></span>
                    <span class="skeleton-line title-skeleton"></span>
                    <span class="skeleton-line price-skeleton"></span>
                    <span class="skeleton-line wide"></span>
                    <span class="skeleton-line wide"></span>
                    <span class="skeleton-line"></span>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(events: impl IntoIterator<Item = AddingEvent>) -> Adding {
        (*events
            .into_iter()
            .fold(Rc::new(Adding::Idle), |state, event| state.reduce(event)))
        .clone()
    }

    #[test]
    fn a_refusal_from_the_cart_is_shown_as_it_says() {
        let state = after([
            AddingEvent::Sent,
            AddingEvent::Refused("Only 2 left".into()),
        ]);
        assert_eq!(state.message(), "Only 2 left");
    }

    #[test]
    fn a_cart_answer_confirms_the_add() {
        assert_eq!(
            after([AddingEvent::Sent, AddingEvent::CartChanged]),
            Adding::Added
        );
    }

    #[test]
    fn silence_from_the_cart_is_reported() {
        assert_eq!(
            after([AddingEvent::Sent, AddingEvent::TimedOut]),
            Adding::NoAnswer
        );
    }

    #[test]
    fn a_late_or_unasked_cart_change_says_nothing() {
        assert_eq!(after([AddingEvent::CartChanged]), Adding::Idle);
        assert_eq!(
            after([
                AddingEvent::Sent,
                AddingEvent::TimedOut,
                AddingEvent::CartChanged
            ]),
            Adding::NoAnswer
        );
    }
}
