"""Names and slugs: one-line names, tag names as the tag manager keeps them, Unicode slugs."""

from markup.slugs import clean_name, fold_name, slug_from_title, tag_names


def test_clean_name_collapses_whitespace_and_drops_control_characters():
    assert clean_name("  Deep\tLearning\x00 notes \n") == "Deep Learning notes"


def test_names_fold_case_insensitively_beyond_ascii():
    assert fold_name("CNN") == fold_name("cnn")
    assert fold_name("Straße") == fold_name("STRASSE")
    assert fold_name("强化学习") == "强化学习"


def test_tag_names_keep_the_first_spelling_of_each_name_in_order():
    assert tag_names(["  Deep   Learning ", "CNN", "deep learning", "", " ", "cnn", "强化学习"]) == [
        "Deep Learning",
        "CNN",
        "强化学习",
    ]


def test_tag_names_are_cut_to_the_column():
    assert tag_names(["x" * 150]) == ["x" * 100]


def test_slugs_keep_chinese_and_are_never_empty():
    assert slug_from_title("空洞卷积 Notes") == "空洞卷积-notes"
    assert slug_from_title("???") == "article"
