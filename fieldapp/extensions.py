"""Flask extensions, created unbound and initialised in create_app."""
from flask_babel import Babel
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
rest_api = Api()
jwt = JWTManager()
babel = Babel()
csrf = CSRFProtect()  # checked by the pages (web/), not the bearer-token API
