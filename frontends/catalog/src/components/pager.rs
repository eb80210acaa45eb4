//! Previous / numbered pages / Next under the grid.

use crate::app::Route;
use catalog_api::{ListingQuery, Paging};
use yew::prelude::*;

/// One slot in the pager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageItem {
    Page(u32),
    /// Pages left out ("…").
    Gap,
}

/// The page numbers to show: always the first and last, the current one with a neighbour
/// each side, and "…" for runs left out. A gap never hides a single page — that page is
/// shown instead, since "…" would take the same room. At most 7 slots.
pub fn page_items(current: u32, total: u32) -> Vec<PageItem> {
    if total == 0 {
        return Vec::new();
    }
    let current = current.clamp(1, total);
    if total <= 7 {
        return (1..=total).map(PageItem::Page).collect();
    }
    // A window of three around the current page, slid inwards near either end so the
    // pager keeps the same width.
    let (low, high) = if current <= 4 {
        (2, 5)
    } else if current >= total - 3 {
        (total - 4, total - 1)
    } else {
        (current - 1, current + 1)
    };
    let mut items = vec![PageItem::Page(1)];
    if low > 2 {
        items.push(PageItem::Gap);
    }
    items.extend((low..=high).map(PageItem::Page));
    if high < total - 1 {
        items.push(PageItem::Gap);
    }
    items.push(PageItem::Page(total));
    items
}

/// Previous, the page numbers and Next, for a listing with more than one page.
pub fn pager(query: &ListingQuery, paging: Paging) -> Html {
    let Paging {
        page, total_pages, ..
    } = paging;
    if total_pages <= 1 {
        return Html::default();
    }
    let href = |n: u32| Route::Listing(query.on_page(n)).to_href();
    let previous = if page > 1 {
        html! {
            <a class="pager-step" rel="prev" href={href(page - 1)}>
                <span aria-hidden="true">{ "←" }</span>{ "Previous" }
            </a>
        }
    } else {
        html! { <span class="pager-step is-disabled" aria-hidden="true">{ "← Previous" }</span> }
    };
    let next = if page < total_pages {
        html! {
            <a class="pager-step" rel="next" href={href(page + 1)}>
                { "Next" }<span aria-hidden="true">{ "→" }</span>
            </a>
        }
    } else {
        html! { <span class="pager-step is-disabled" aria-hidden="true">{ "Next →" }</span> }
    };
    html! {
        <nav class="pager" aria-label="Pages">
            { previous }
            <ol class="pager-pages">
                { for page_items(page, total_pages).into_iter().map(|item| match item {
                    PageItem::Page(n) if n == page => html! {
                        <li><a href={href(n)} aria-current="page" aria-label={format!("Page {n}")}>{ n }</a></li>
                    },
                    PageItem::Page(n) => html! {
                        <li><a href={href(n)} aria-label={format!("Page {n}")}>{ n }</a></li>
                    },
                    PageItem::Gap => html! { <li class="pager-gap" aria-hidden="true">{ "…" }</li> },
                }) }
            </ol>
            { next }
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::PageItem::{Gap, Page};
    use super::*;

    fn pages(numbers: &[u32]) -> Vec<PageItem> {
        numbers.iter().copied().map(Page).collect()
    }

    #[test]
    fn a_short_range_shows_every_page() {
        assert_eq!(page_items(1, 1), pages(&[1]));
        assert_eq!(page_items(3, 7), pages(&[1, 2, 3, 4, 5, 6, 7]));
    }

    #[test]
    fn a_long_range_collapses_around_the_current_page() {
        assert_eq!(
            page_items(10, 20),
            vec![Page(1), Gap, Page(9), Page(10), Page(11), Gap, Page(20)]
        );
    }

    #[test]
    fn near_the_ends_the_window_slides_inwards() {
        assert_eq!(
            page_items(1, 20),
            vec![Page(1), Page(2), Page(3), Page(4), Page(5), Gap, Page(20)]
        );
        assert_eq!(
            page_items(4, 20),
            vec![Page(1), Page(2), Page(3), Page(4), Page(5), Gap, Page(20)]
        );
        assert_eq!(
            page_items(5, 20),
            vec![Page(1), Gap, Page(4), Page(5), Page(6), Gap, Page(20)]
        );
        assert_eq!(
            page_items(20, 20),
            vec![
                Page(1),
                Gap,
                Page(16),
                Page(17),
                Page(18),
                Page(19),
                Page(20)
            ]
        );
        assert_eq!(
            page_items(17, 20),
            vec![
                Page(1),
                Gap,
                Page(16),
                Page(17),
                Page(18),
                Page(19),
                Page(20)
            ]
        );
    }

    #[test]
    fn never_more_than_seven_slots_and_never_a_gap_for_one_page() {
        for total in 1..40 {
            for current in 1..=total {
                let items = page_items(current, total);
                assert!(items.len() <= 7, "{current}/{total}: {items:?}");
                assert!(items.contains(&Page(current)));
                for pair in items.windows(3) {
                    if let [Page(a), Gap, Page(b)] = pair {
                        assert!(b - a > 2, "{current}/{total}: {items:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_page_past_the_end_is_treated_as_the_last() {
        assert_eq!(page_items(9, 3), pages(&[1, 2, 3]));
        assert_eq!(page_items(1, 0), vec![]);
    }
}
