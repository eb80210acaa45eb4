//! One order as the shopper reads it: what was bought, where it goes and how it was paid.
//! The confirmation page and the account's order page (the `order` fragment) show it alike.

use crate::components::heading;
use crate::components::totals::totals;
use cart_api::OrderView;
use yew::prelude::*;

/// The order's lines and totals beside its delivery address and payment. `level` is the
/// level of the boxes' titles (`h2` under the page's `h1`, `h3` under a fragment's `h2`);
/// `after` goes under the address and payment (the confirmation's "Continue shopping").
pub fn order_details(order: &OrderView, level: &'static str, after: Html) -> Html {
    html! {
        <div class="confirmation-layout">
            <div class="summary-box">
                { heading(level, "box-title", "What you ordered".into()) }
                <ul class="order-lines">
                    { for order.lines.iter().map(|line| html! {
                        <li>
                            <img src={line.image_url.clone()} alt="" width="64" height="64" loading="lazy" />
                            <span class="order-line-name">
                                <a href={line.product_url.clone()}>{ &line.name }</a>
                                <span class="order-line-quantity">{ format!("{} × {}", line.quantity, line.unit_price) }</span>
                            </span>
                            <span class="summary-amount">{ &line.line_total }</span>
                        </li>
                    }) }
                </ul>
                { totals(&order.subtotal, &order.shipping, &order.total) }
            </div>
            <div class="order-facts">
                <div class="summary-box">
                    { heading(level, "box-title", "Delivery address".into()) }
                    <address>
                        { for order.shipping_address.iter().map(|line| html! { <span>{ line }</span> }) }
                    </address>
                </div>
                <div class="summary-box">
                    { heading(level, "box-title", "Payment".into()) }
                    <p>{ &order.payment }</p>
                </div>
                { after }
            </div>
        </div>
    }
}
