"""Declarations: aggregate figures and item-level inventories, read, validated and diffed."""

from armsctl.inventory.diff import ItemChange, diff_items
from armsctl.inventory.io import DeclarationSet, ItemSource, read_declarations, read_party_items
from armsctl.inventory.model import ComponentKey, Declaration, Figure

__all__ = [
    "ComponentKey",
    "Declaration",
    "DeclarationSet",
    "Figure",
    "ItemChange",
    "ItemSource",
    "diff_items",
    "read_declarations",
    "read_party_items",
]
