"""Themes of the questions: by meaning (`meaning`, what the reports show), by shared key word (`words`,
which also names the themes by meaning), what rises (`rising`) and what each learner struggles with
(`learners`)."""
from reports.themes.words import Theme, Themes, group, key_words, new_question_themes

__all__ = ["Theme", "Themes", "group", "key_words", "new_question_themes"]
