"""Typed dependencies for what the application holds: settings, the feed cache, the model store."""

from typing import Annotated

from fastapi import Depends, Request

from app.blueprint.cache import FeedCache
from app.blueprint.process_model import ModelStore
from app.config import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _feed_cache(request: Request) -> FeedCache:
    return request.app.state.feed_cache


def _models(request: Request) -> ModelStore:
    return request.app.state.models


SettingsDep = Annotated[Settings, Depends(_settings)]
FeedCacheDep = Annotated[FeedCache, Depends(_feed_cache)]
ModelStoreDep = Annotated[ModelStore, Depends(_models)]
