//! `story`: one area followed month by month.

use crate::cli::{StoryArgs, stop_on_signals};
use crate::error::Result;
use crate::story;

/// Follows replication K of a scenario, writes its folder whole and prints the narrative or the
/// JSON.
pub fn story(args: &StoryArgs) -> Result<()> {
    let common = args.common();
    let (source, s) = super::load(&common, &args.scenario, 1, &[])?;
    let cancel = stop_on_signals();
    let suffix = format!("-story-{}", args.replication);
    let dir = super::claim(&common.out_dir(&s, &suffix), common.force, &source.path)?;
    let told = story::tell(&s, args.replication);
    story::write(&dir, &s, &told, s.output.plots && !common.no_plots)?;
    // The last look: a signal during the writing keeps the previous outputs too.
    cancel.check()?;
    let target = super::commit(dir)?;
    if common.json {
        super::print_json(&told);
    } else {
        for paragraph in &told.narrative {
            println!("{paragraph}\n");
        }
        println!("Story in {}", target.join("index.html").display());
    }
    Ok(())
}
