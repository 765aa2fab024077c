//! AI generation: jobs (`ai_generations`) and each organization's AI switch.

pub mod generations;
pub mod settings;
