//! The header's cart badge: a link to the cart with the number of items in it. It is also
//! where the catalog's add-to-cart requests are carried out, because it is on every page
//! that has an "Add to cart" button; once it listens it announces `cart:ready`, which an
//! add made before the badge loaded waits for. Whose cart it is can change under it: after
//! a sign-in (the BFF merges the guest's cart into the shopper's on the next request) or a
//! sign-out, it asks for the count again.

use crate::{api, json, sync};
use cart_api::CART_PAGE;
use gloo_timers::callback::Timeout;
use mfe_kit::events::{self, AddToCart, AddToCartFailed, CartChanged, SignedIn, SignedOut};
use mfe_kit::http::{use_first_answer, ApiError, Failure};
use std::rc::Rc;
use yew::prelude::*;

/// The owner name other MFEs wait for (`cart:ready`, see `mfe_kit::events::when_ready`).
const CART: &str = "cart";

/// How long "Added" stays under the badge.
const ADDED_MS: u32 = 2_500;

/// What the badge shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadgeState {
    /// Items in the cart; `None` until the cart has said (or when it could not).
    pub count: Option<u32>,
    /// The name of the product just added, while its confirmation shows.
    pub added: Option<String>,
}

pub enum BadgeAction {
    /// The cart holds this many items (the mini-cart's answer, or `cart:changed`).
    Counted(u32),
    /// An add-to-cart went through.
    Added {
        item_count: u32,
        product_name: String,
    },
    /// The confirmation has been shown long enough.
    ConfirmationOver,
}

impl Reducible for BadgeState {
    type Action = BadgeAction;

    fn reduce(self: Rc<Self>, action: BadgeAction) -> Rc<Self> {
        let next = match action {
            BadgeAction::Counted(count) => BadgeState {
                count: Some(count),
                added: self.added.clone(),
            },
            BadgeAction::Added {
                item_count,
                product_name,
            } => BadgeState {
                count: Some(item_count),
                added: Some(product_name),
            },
            BadgeAction::ConfirmationOver => BadgeState {
                count: self.count,
                added: None,
            },
        };
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

/// The count in the bubble, which has room for two digits.
pub fn bubble_text(count: u32) -> String {
    if count > 99 {
        "99+".to_owned()
    } else {
        count.to_string()
    }
}

/// What the page that asked for an add-to-cart tells the shopper when it failed: the
/// cart's reason when it refused, a plain sentence when it could not be asked.
pub fn add_failure_message(error: &ApiError) -> String {
    match Failure::of(error) {
        Failure::Rejected(message) => message,
        Failure::Missing => error.message(),
        Failure::Unavailable => {
            "The cart isn't available right now, so nothing was added. Please try again in a moment."
                .to_owned()
        }
    }
}

#[function_component]
pub fn Badge() -> Html {
    // Rendered on the server, the badge came with its count.
    let (first, skip_first_count) = use_first_answer(api::ready_mini_cart);
    let state = use_reducer(|| BadgeState {
        count: first.and_then(Result::ok).map(|mini| mini.item_count),
        added: None,
    });
    // The pending end of the "Added" confirmation; replacing it restarts the time.
    let confirmation = use_mut_ref(|| None::<Timeout>);

    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let count = {
                let dispatcher = dispatcher.clone();
                move || {
                    let dispatcher = dispatcher.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(mini) = api::mini_cart().await {
                            dispatcher.dispatch(BadgeAction::Counted(mini.item_count));
                        }
                    });
                }
            };
            if !skip_first_count.replace(false) {
                count();
            }
            let other_tabs = sync::on_change_in_other_tab(count.clone());
            let signed_in = events::on::<SignedIn>(count.clone());
            let signed_out = events::on::<SignedOut>(count);
            let changed = {
                let dispatcher = dispatcher.clone();
                json::listen::<CartChanged>(move |changed| {
                    dispatcher.dispatch(BadgeAction::Counted(changed.item_count));
                })
            };
            let adds = json::listen::<AddToCart>(move |request| {
                let (dispatcher, confirmation) = (dispatcher.clone(), confirmation.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::add(request.product_id, request.quantity).await {
                        Ok(added) => {
                            let item_count = added.mini_cart.item_count;
                            dispatcher.dispatch(BadgeAction::Added {
                                item_count,
                                product_name: added.product_name,
                            });
                            let over = dispatcher.clone();
                            *confirmation.borrow_mut() = Some(Timeout::new(ADDED_MS, move || {
                                over.dispatch(BadgeAction::ConfirmationOver)
                            }));
                            sync::announce(item_count);
                        }
                        Err(error) => json::dispatch(&AddToCartFailed {
                            product_id: request.product_id,
                            message: add_failure_message(&error),
                        }),
                    }
                });
            });
            // Pages that asked for an add before the badge was here are waiting for this.
            events::announce_ready(CART);
            move || {
                events::withdraw_ready(CART);
                drop((other_tabs, changed, adds, signed_in, signed_out));
            }
        });
    }

    // The link's name is its text ("Cart, 3 items"), so what is seen is what is heard.
    let count = match state.count {
        Some(0) => html! { <span class="visually-hidden">{ ", empty" }</span> },
        Some(count) => html! {
            <span class="badge-count">
                <span class="visually-hidden">{ ", " }</span>
                { bubble_text(count) }
                <span class="visually-hidden">{ if count == 1 { " item" } else { " items" } }</span>
            </span>
        },
        None => html! {},
    };
    html! {
        <div class="cart cart-badge">
            <a class="badge-link" href={CART_PAGE}>
                { crate::components::states::cart_icon_sized(22) }
                <span class="badge-text">{ "Cart" }</span>
                { count }
            </a>
            // Always in the page, so screen readers hear what is written into it.
            <p class="badge-added" role="status">
                if let Some(name) = &state.added {
                    <>
                        <span aria-hidden="true" class="badge-tick">{ "✓" }</span>
                        { "Added" }
                        <span class="visually-hidden">{ format!(" {name} to your cart") }</span>
                    </>
                }
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cart_api::ErrorDetail;

    fn after(actions: impl IntoIterator<Item = BadgeAction>) -> BadgeState {
        (*actions
            .into_iter()
            .fold(Rc::new(BadgeState::default()), |state, action| {
                state.reduce(action)
            }))
        .clone()
    }

    fn refused(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Status {
            status,
            error: Some(ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
                fields: Vec::new(),
            }),
        }
    }

    #[test]
    fn the_bubble_holds_at_most_two_digits_and_a_plus() {
        assert_eq!(bubble_text(7), "7");
        assert_eq!(bubble_text(99), "99");
        assert_eq!(bubble_text(140), "99+");
    }

    #[test]
    fn an_add_sets_the_count_and_shows_the_confirmation_until_it_is_over() {
        let added = after([
            BadgeAction::Counted(1),
            BadgeAction::Added {
                item_count: 3,
                product_name: "Oak desk".into(),
            },
        ]);
        assert_eq!(added.count, Some(3));
        assert_eq!(added.added.as_deref(), Some("Oak desk"));

        let later = Rc::new(added).reduce(BadgeAction::ConfirmationOver);
        assert_eq!(later.count, Some(3));
        assert_eq!(later.added, None);
    }

    #[test]
    fn a_change_elsewhere_updates_the_count_and_keeps_the_confirmation() {
        let state = after([
            BadgeAction::Added {
                item_count: 2,
                product_name: "Tea".into(),
            },
            BadgeAction::Counted(5),
        ]);
        assert_eq!(state.count, Some(5));
        assert_eq!(state.added.as_deref(), Some("Tea"));
    }

    #[test]
    fn a_refused_add_passes_on_the_carts_reason() {
        let error = refused(409, "out_of_stock", "Only 2 left.");
        assert_eq!(add_failure_message(&error), "Only 2 left.");
        let unknown = refused(404, "not_found", "That product is no longer sold.");
        assert_eq!(
            add_failure_message(&unknown),
            "That product is no longer sold."
        );
    }

    #[test]
    fn an_add_that_could_not_be_asked_says_so_plainly() {
        for error in [
            ApiError::Network,
            ApiError::Decode,
            ApiError::Status {
                status: 502,
                error: None,
            },
            refused(503, "cart_unavailable", "upstream timed out"),
        ] {
            assert!(
                add_failure_message(&error).starts_with("The cart isn't available right now"),
                "{error:?}"
            );
        }
    }
}
