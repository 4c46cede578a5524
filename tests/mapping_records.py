"""Hand-built records shared by the mapping, validation and ontology tests."""
from __future__ import annotations

from datetime import date

from kg.model import BulletinItem, Country, Course, Event, Initiative, Location, Organization, Person, Place, Record

IOM = "International Organization for Migration"


def golden_record() -> Record:
    """One record that uses every field the mapper writes."""
    item = BulletinItem(source="000_57c294818f5c2fbd.txt", index=2, title="IOM and Panama Launch Online Course",
                        title_line=30, date_published=date(2020, 7, 29), date_raw="29 / 07 / 2020",
                        body="Panama City - IOM launched ...", body_line=32, layout="article")
    return Record(
        item=item,
        countries=(Country("PA", "PAN", "Panama", "Q804", "name", ("Panama",), "IOM and Panama launched a course."),),
        places=(Place("Panama City", "city", "PA", None, ("Panama City",), "Panama City - IOM launched"),
                Place("Mesoamerica", "region")),
        organizations=(
            Organization(IOM, "IOM", "Q177403", "intergovernmental_organization", None, ("IOM", "OIM"),
                         "IOM launched a course."),
            Organization("IOM Regional Office for Central America, North America and the Caribbean", None, None,
                         "sub_unit", IOM, ("IOM San José Regional Office",)),
        ),
        people=(Person("Jorge Gallo", "Regional Specialist", IOM, "said Jorge Gallo"),),
        events=(
            Event("Launch of the online course", "Launch", start=date(2020, 7, 29), end=date(2020, 7, 30),
                  date_text="today", location=Location("Panama City", "PA", online=True), organizers=(IOM,),
                  participants=("Panama", "Jorge Gallo", "consular officers"), attendance=120,
                  evidence="IOM launched a course today."),
            Event("Regional dialogue", "Dialogue", start_partial="2017-06", end_partial="2017"),
            Event("Regional dialogue", "Meeting", start_partial="--06-09", end_partial="--06-10"),
            Event("Weekly meeting", "Meeting", start_partial="Tuesday"),
        ),
        courses=(Course("Course on Human Trafficking", (IOM,), ("UN Women",), "online", ("Spanish", "English"),
                        "consular officers", "11 modules", True, "E-Campus", "The course is free."),),
        initiatives=(Initiative("Mesoamerica Program", "Program", (IOM,), "2017-2022",
                                "the Mesoamerica Program of IOM"),),
    )
