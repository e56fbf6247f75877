//! The linker: named definitions that satisfy imports by name.

use std::collections::HashMap;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::func::{DynHostFn, Func, IntoFunc};
use crate::instance::{Extern, Instance};
use crate::module::Module;
use crate::store::Store;
use crate::values::FuncType;

enum Definition<T> {
    Extern(Extern),
    HostFunc(FuncType, DynHostFn<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Resolves imports by `(module, name)`.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Self {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Defines a host function from a Rust closure.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, f) = f.into_func();
        self.defs.insert(
            (module.to_string(), name.to_string()),
            Definition::HostFunc(ty, f),
        );
        Ok(self)
    }

    /// Defines a host function over dynamic values.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(crate::func::Caller<'_, T>, &[crate::Val], &mut [crate::Val]) -> Result<()>
        + Send
        + Sync
        + 'static,
    ) -> Result<&mut Self> {
        self.defs.insert(
            (module.to_string(), name.to_string()),
            Definition::HostFunc(ty.clone(), crate::func::dyn_host_fn(ty, f)),
        );
        Ok(self)
    }

    /// Defines a host function over raw 16-byte slots (arguments in,
    /// results out, see [`crate::func::DynHostFn`]): for the crate's own
    /// host functions (WASI), which need no `Val`s.
    pub(crate) fn func_raw(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(crate::func::Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.defs.insert(
            (module.to_string(), name.to_string()),
            Definition::HostFunc(ty, std::sync::Arc::new(f)),
        );
        Ok(self)
    }

    /// Defines an item of a store.
    pub fn define(
        &mut self,
        _store: &Store<T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.defs.insert(
            (module.to_string(), name.to_string()),
            Definition::Extern(item.into()),
        );
        Ok(self)
    }

    /// Defines every export of `instance` under `module`.
    pub fn instance(
        &mut self,
        store: &mut Store<T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (name, item) in instance.exports(store) {
            self.defs
                .insert((module.to_string(), name), Definition::Extern(item));
        }
        Ok(self)
    }

    /// The definition of `module::name`, created in `store` if it is a host
    /// function.
    pub fn get(&self, store: &mut Store<T>, module: &str, name: &str) -> Option<Extern> {
        let def = self
            .defs
            .get(&(module.to_string(), name.to_string()))?
            .clone();
        match def {
            Definition::Extern(e) => Some(e),
            Definition::HostFunc(ty, f) => Func::from_dyn(store, ty, f).ok().map(Extern::Func),
        }
    }

    /// Instantiates `module`, resolving each import by name.
    pub fn instantiate(&self, store: &mut Store<T>, module: &Module) -> Result<Instance> {
        let wanted: Vec<(String, String)> = module
            .imports()
            .map(|i| (i.module().to_string(), i.name().to_string()))
            .collect();
        let mut imports = Vec::with_capacity(wanted.len());
        for (m, n) in wanted {
            let def = self
                .defs
                .get(&(m.clone(), n.clone()))
                .ok_or_else(|| {
                    Error::link(format!("unknown import: `{m}::{n}` has not been defined"))
                })?
                .clone();
            imports.push(match def {
                Definition::Extern(e) => e,
                Definition::HostFunc(ty, f) => Extern::Func(Func::from_dyn(store, ty, f)?),
            });
        }
        Instance::new(store, module, &imports)
    }
}
