//! `MFE_BUILD`: this build's name, from every source that shapes the account's markup (see
//! `mfe-build-id`; the path dependencies are listed in mfe.json's `sources`).
fn main() {
    mfe_build_id::emit();
}
