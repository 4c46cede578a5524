"""Course extraction: names (quoted, capitalized, descriptive, the title), modality, languages, providers."""
from __future__ import annotations

from datetime import date

from extract_pages import page_records, record


def test_page_course_with_all_details():
    (course,) = page_records()[("chrome_article.txt", 1)].courses
    assert course.name == "Migrant Health in the Caribbean"
    assert course.modality == "online"
    assert set(course.languages) == {"English", "Spanish"}
    assert course.providers == ("International Organization for Migration",)
    assert course.partners == ("Pan American Health Organization",)
    assert (course.duration, course.certificate, course.platform) == ("6 modules", True, "E-Campus")
    assert course.audience and course.audience.startswith("nurses, doctors")
    assert course.evidence


def test_pages_without_courses():
    for where, rec in page_records().items():
        if where != ("chrome_article.txt", 1):
            assert rec.courses == (), where


def test_capitalized_name_after_the_noun_stops_before_the_platform():
    body = "The new course Protection of Migrant Children on the Learning Platform of IOM is free."
    (course,) = record("IOM launches a new online course on child protection", body, date(2020, 5, 4)).courses
    assert course.name == "Protection of Migrant Children"
    assert course.modality == "online"


def test_capitalized_topic_names_the_course():
    body = "IOM has launched a virtual course on Labour Migration Governance, available in French and English."
    (course,) = record("Course", body, None).courses
    assert course.name == "Labour Migration Governance"
    assert (course.modality, set(course.languages)) == ("virtual", {"French", "English"})


def test_descriptive_course_keeps_its_phrase():
    body = "IOM and ILO offer specialized virtual courses on labour migration statistics for officials."
    (course,) = record("Training offer", body, None).courses
    assert course.name.startswith("specialized virtual courses on labour migration statistics")
    assert set(course.providers) == {"International Organization for Migration", "International Labour Organization"}


def test_title_names_the_course_the_body_describes():
    (course,) = record("Integrated Border Management in Practice", "This course is designed for border officials.",
                       None).courses
    assert course.name == "Integrated Border Management in Practice"
    assert course.audience == "border officials"


def test_spanish_quoted_course():
    body = "La OIM lanzó el curso virtual “Migración y Salud”, disponible en español."
    (course,) = record("Nuevo curso", body, date(2021, 2, 1)).courses
    assert course.name == "Migración y Salud"
    assert course.modality == "virtual"


def test_idiom_and_plain_mentions_are_no_courses():
    body = "In the course of the year, IOM assisted 500 migrants. Most courses of action were discussed."
    assert record("Assistance", body, date(2020, 1, 1)).courses == ()
