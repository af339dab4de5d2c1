"""Declarations: aggregate figures and item-level inventories, read, validated and diffed."""

from armsctl.inventory.diff import ItemChange, diff_items
from armsctl.inventory.io import DeclarationSet, ItemSource, read_declarations, read_party_items
from armsctl.inventory.model import ComponentKey, Declaration, Figure, measure_problem

__all__ = [
    "ComponentKey",
    "Declaration",
    "DeclarationSet",
    "Figure",
    "ItemChange",
    "ItemSource",
    "diff_items",
    "measure_problem",
    "read_declarations",
    "read_party_items",
]
