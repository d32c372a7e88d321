"""The `audience` of a campaign file: criteria as written, and the model they become."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from proaktive.campaign.fields import (
    DistrictNumbers,
    IsoDate,
    KnownLanguages,
    Postcodes,
    PostcodeText,
    Spec,
    campaign_context,
    check_order,
    either,
    shown_path,
    written,
)
from proaktive.campaign.model import (
    Age,
    AllOf,
    AnyOf,
    Area,
    Born,
    Child,
    Criterion,
    District,
    Language,
    MovedIn,
    Not,
    Postcode,
    Street,
)
from proaktive.schema_problems import field_names, input_problem, misplaced_key, model_in


class RangeSpec(Spec):
    """`{min: 4, max: 4}`: whole years, months or days; a bound left out is open."""

    example: ClassVar[str | None] = "{min: 18, max: 66}"

    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        check_order(self.min, self.max, f"min {self.min} is greater than max {self.max}")
        return self


class BornSpec(Spec):
    example: ClassVar[str | None] = "{from: 1950-01-01, to: 1959-12-31}"

    from_: IsoDate | None = Field(None, alias="from")
    to: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> BornSpec:
        check_order(self.from_, self.to, f"from {self.from_} is after to {self.to}")
        return self


class StreetSpec(Spec):
    example: ClassVar[str | None] = "{name: Storgata, from: 1, to: 39}"

    name: str = Field(min_length=1)
    from_: int | None = Field(None, alias="from", ge=0)
    to: int | None = Field(None, ge=0)
    side: Literal["odd", "even", "both"] = "both"
    postcode: PostcodeText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> StreetSpec:
        check_order(self.from_, self.to, f"from {self.from_} is greater than to {self.to}")
        return self


class AreaSpec(Spec):
    example: ClassVar[str | None] = "{file: areas/graving.geojson, buffer_m: 30}"

    file: str = Field(min_length=1)
    buffer_m: float = Field(0, ge=0, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # `area: FILE` is short for `area: {file: FILE}`
        return {"file": data} if isinstance(data, str) else data

    @field_validator("file")
    @classmethod
    def _exists(cls, value: str, info: ValidationInfo) -> str:
        # Only that it is there: reading the geometry is proaktive.audience's job.
        path = campaign_context(info).folder / value
        if not path.exists():  # anything else that is no file, `load_area` says what it is
            raise input_problem(
                f"area file not found: {shown_path(path)}",
                "the path is relative to the campaign file's folder",
            )
        return value

    @model_validator(mode="after")
    def _readable_area(self, info: ValidationInfo) -> AreaSpec:
        """The geometry must be a usable area: found now, not when the campaign runs."""
        # Imported here: shapely and pyproj load only for campaigns that use an area.
        from proaktive.geo import AreaError, load_area

        path = campaign_context(info).folder / self.file
        try:
            load_area(path, self.buffer_m, shown_as=str(shown_path(path)))
        except AreaError as error:
            raise input_problem(
                f"{shown_path(path)}: {error.message}", error.hint, at="file"
            ) from None
        return self


_CHILD_UNITS: dict[str, Literal["years", "months", "days"]] = {
    "age": "years",
    "age_months": "months",
    "age_days": "days",
}


class ChildSpec(Spec):
    example: ClassVar[str | None] = "{age_months: {min: 4, max: 4}}"

    age: RangeSpec | None = None
    age_months: RangeSpec | None = None
    age_days: RangeSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ChildSpec:
        given = [name for name in _CHILD_UNITS if getattr(self, name) is not None]
        if len(given) != 1:
            found = f"{len(given)}: {', '.join(given)}" if given else "none"
            raise input_problem(
                f"child needs exactly one of {either(list(_CHILD_UNITS))}, found {found}"
            )
        return self

    def criterion(self) -> Child:
        for name, unit in _CHILD_UNITS.items():
            ages = getattr(self, name)
            if ages is not None:
                return Child(unit, ages.min, ages.max)
        raise AssertionError("validated to have exactly one age")


class MovedInSpec(Spec):
    example: ClassVar[str | None] = "{within_days: 30}"

    within_days: int = Field(ge=0)
    from_: Literal["anywhere", "another_district", "another_municipality"] = Field(
        "anywhere", alias="from"
    )


def _indented_too_little(spec: type[CriterionSpec], data: dict[Any, Any]) -> None:
    """`age:` with `min: 67` below it at the same indent: say to indent, not to use `all:`."""
    fields = {field.alias or name: field for name, field in spec.model_fields.items()}
    for name, value in data.items():
        field = fields.get(name)
        under = model_in(field.annotation) if value is None and field else None
        if under is None:
            continue
        for other in data:
            if other != name and other in field_names(under):
                raise misplaced_key(str(other), under=str(name))


def _values_without_brackets(spec: type[CriterionSpec], data: dict[Any, Any]) -> str | None:
    """`{district: Frogner, Sagene}` reads as two keys: the hint to write `[Frogner, Sagene]`."""
    known = set(field_names(spec))
    named = [name for name in data if name in known]
    others = [name for name in data if name not in known]
    if len(named) != 1 or any(data[name] is not None for name in others):
        return None
    values = ", ".join(map(str, [data[named[0]], *others]))
    return f"to give '{named[0]}' several values, put them in brackets: {named[0]}: [{values}]"


class CriterionSpec(Spec):
    """A mapping with exactly one key: the criterion's name."""

    key_noun: ClassVar[str] = "criterion"  # unknown keys here are unknown criteria

    all_: list[CriterionSpec] | None = Field(None, alias="all")
    any_: list[CriterionSpec] | None = Field(None, alias="any")
    not_: CriterionSpec | None = Field(None, alias="not")
    age: RangeSpec | None = None
    born: BornSpec | None = None
    district: DistrictNumbers | None = None
    postcode: Postcodes | None = None
    street: StreetSpec | None = None
    area: AreaSpec | None = None
    child: ChildSpec | None = None
    moved_in: MovedInSpec | None = None
    language: KnownLanguages | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, data: Any) -> Any:
        example = "like 'age: {min: 18}'"
        if data is None:
            raise input_problem(f"a criterion is needed here, {example}")
        if not isinstance(data, dict):
            raise input_problem(
                f"a criterion is a name with a value, like 'age: {{min: 18}}', not {written(data)}",
                "to combine criteria, list them under 'all:' or 'any:'"
                if isinstance(data, list)
                else None,
            )
        if not data:
            raise input_problem("a criterion has exactly one key, found none", example)
        if len(data) != 1:
            _indented_too_little(cls, data)
            found = f"{len(data)}: {', '.join(map(str, data))}"
            brackets = _values_without_brackets(cls, data)
            raise input_problem(
                f"a criterion has exactly one key, found {found}",
                # Two keys side by side is mostly a missing `all:`, or in a list a missing `- `.
                brackets or "to combine criteria, list them under 'all:' or 'any:'",
                in_list=brackets or "start each criterion of the list with '- '",
            )
        return data

    @field_validator("all_", "any_", mode="before")
    @classmethod
    def _list_of_criteria(cls, value: Any, info: ValidationInfo) -> Any:
        if not (isinstance(value, list) and value):
            name = str(info.field_name).rstrip("_")
            raise input_problem(
                f"'{name}' needs a list of criteria", "write each on its own line, after '- '"
            )
        return value

    @model_validator(mode="after")
    def _has_value(self) -> CriterionSpec:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            (name,) = self.model_fields_set
            raise input_problem(f"'{name.rstrip('_')}' needs a value")
        return self

    def criterion(self, folder: Path) -> Criterion:
        """The model this criterion means; `folder` is the campaign file's, for area paths."""
        if self.all_ is not None:
            return AllOf(tuple(item.criterion(folder) for item in self.all_))
        if self.any_ is not None:
            return AnyOf(tuple(item.criterion(folder) for item in self.any_))
        if self.not_ is not None:
            return Not(self.not_.criterion(folder))
        if self.age is not None:
            return Age(self.age.min, self.age.max)
        if self.born is not None:
            return Born(self.born.from_, self.born.to)
        if self.district is not None:
            return District(self.district)
        if self.postcode is not None:
            return Postcode(self.postcode)
        if self.street is not None:
            s = self.street
            return Street(s.name, s.from_, s.to, s.side, s.postcode)
        if self.area is not None:
            return Area((folder / self.area.file).resolve(), self.area.buffer_m)
        if self.child is not None:
            return self.child.criterion()
        if self.moved_in is not None:
            return MovedIn(self.moved_in.within_days, self.moved_in.from_)
        if self.language is not None:
            return Language(self.language)
        raise AssertionError("validated to have exactly one criterion")
